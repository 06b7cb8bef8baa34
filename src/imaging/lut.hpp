#pragma once
// DICOM lookup tables (PS3.3 C.11): Modality LUT, VOI LUT and palette colour tables.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

class DcmItem;
class DcmTagKey;

namespace osteon::imaging::detail {

struct Lut {
  std::int32_t first_mapped = 0;        // input value of entries[0]
  int bits = 16;                        // output bits per entry
  std::vector<std::uint16_t> entries;
  std::string explanation;

  /// Input below the first entry maps to the first, above the last to the last.
  std::uint16_t lookup(double x) const;
  double max_output() const { return static_cast<double>((std::uint32_t{1} << bits) - 1u); }
};

/// The first item of a Modality or VOI LUT Sequence (`sequence` tag). `signed_input`: the
/// first mapped value is signed (SS) even when encoded as US. Notes repairs in `notes`.
/// Throws Error(dicom_unparseable) when the item is present but malformed.
std::optional<Lut> read_lut_sequence(DcmItem& dataset, const DcmTagKey& sequence, bool signed_input,
                                     std::vector<std::string>& notes);

/// The red (0), green (1) or blue (2) palette colour table, normal or segmented.
Lut read_palette(DcmItem& dataset, int channel);

} // namespace osteon::imaging::detail
