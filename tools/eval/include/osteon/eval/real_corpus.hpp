#pragma once
// Real radiographs that nobody on the team made, from the shared corpus (../shared/corpus, never
// copied into the repository): xray-real/{hand,skull_lateral,hip,other} with their labels.csv,
// xray-hip, and the projection radiographs (CR, DX, MG, RF, ...) of dicom-real. Used by
// osteon-eval --real and by the node test of the domain gate (tests/e2e).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace osteon::eval {

struct RealImage {
  std::filesystem::path file;
  std::string group;                         // hand, skull_lateral, hip, other, xray-hip, dicom-real
  std::map<std::string, std::string> label;  // the labels.csv row (column -> value), when there is one
  bool dicom = false;

  std::string name() const { return group + "/" + file.filename().string(); }
  /// Bone age in months (hands with an RSNA label); nothing otherwise.
  std::optional<double> bone_age_months() const;
  /// A hip implant is visible (hip labels: implant column other than "none"; knees with
  /// arthroplasty in other/); false when the labels say there is none or do not say.
  bool has_implant() const;
  /// "M", "F" or empty.
  std::string sex() const;
};

/// The shared corpus root: OSTEON_SHARED_CORPUS, else <source tree>/../shared/corpus; nothing when
/// it does not exist.
std::optional<std::filesystem::path> shared_corpus();

/// Every real radiograph of the corpus, in a stable order. dicom-real contributes its single-frame
/// greyscale projection radiographs (Modality CR, DX, DR, RG, RF, MG, IO, PX, XA).
std::vector<RealImage> real_corpus(const std::filesystem::path& corpus);

/// Writes `image` as a DICOM file labelled with `body_part` (Body Part Examined, the view and
/// laterality a modality would send with it: HAND PA L, SKULL LL, PELVIS AP B, and a study
/// description naming it), with new study/series/SOP instance UIDs derived from `uid_seed` so that
/// each (image, label) is a new instance. PNG/JPEG/TIFF become 8-bit DX (colour converted to grey,
/// the grey values unchanged); DICOM files keep their pixel data and transfer syntax. Patient's
/// sex from the label when known. Throws osteon::Error when the image cannot be read or written.
void wrap_real(const RealImage& image, const std::string& body_part, const std::filesystem::path& out,
               std::uint64_t uid_seed);

/// Parses CSV text with a header row (quoted fields, "" escapes); rows as column -> value.
std::vector<std::map<std::string, std::string>> parse_csv(const std::string& text);

} // namespace osteon::eval
