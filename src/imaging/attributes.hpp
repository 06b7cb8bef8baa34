#pragma once
// Attribute access for the pixel pipeline, tolerant of real-world encodings: values padded with
// spaces or NULs, and known attributes stored with VR UN (explicit VR files written by tools
// that lost the dictionary VR), which DCMTK leaves as raw bytes.
#include <cstdint>
#include <optional>
#include <string>

class DcmItem;
class DcmTagKey;

namespace osteon::imaging::detail {

/// Without leading spaces and trailing spaces or NULs.
std::string trimmed(std::string s);

/// Value `index` of a string attribute (CS, DS, IS, LO...), trimmed.
std::optional<std::string> text_value(DcmItem& item, const DcmTagKey& tag, unsigned long index = 0);
/// Value `index` of a DS or IS attribute; nullopt when absent, empty or not a finite number.
std::optional<double> number_value(DcmItem& item, const DcmTagKey& tag, unsigned long index = 0);
/// A US (or SS) attribute as its 16-bit pattern.
std::optional<std::uint16_t> word_value(DcmItem& item, const DcmTagKey& tag, unsigned long index = 0);

} // namespace osteon::imaging::detail
