#pragma once
// Encapsulated pixel data (PS3.5 A.4): which fragments make up a frame.
#include <cstdint>
#include <vector>

class DcmPixelSequence;

namespace osteon::imaging::detail {

/// The bytes of frame `frame` (0-based) of `frames`: the Basic Offset Table when it is usable,
/// else one fragment per frame when the counts agree, else fragments grouped at each JPEG 2000
/// start-of-codestream marker. Throws Error(dicom_unparseable) when there are no fragments or
/// the frame cannot be found.
std::vector<std::uint8_t> encapsulated_frame(DcmPixelSequence& sequence, int frame, int frames);

/// Number of fragments (items after the offset table) and whether any holds data.
int fragment_count(DcmPixelSequence& sequence, bool& any_data);

} // namespace osteon::imaging::detail
