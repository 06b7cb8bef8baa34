#pragma once
// JPEG 2000 and HTJ2K through OpenJPEG (libopenjp2): DCMTK 3.6.7's free codecs have none.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace osteon::imaging::detail {

struct J2kFrame {
  int rows = 0, cols = 0;
  int precision = 0;          // bits per sample of the first component
  bool is_signed = false;
  bool mct = false;           // a multi-component (colour) transform was undone (output is RGB)
  std::vector<std::vector<std::int32_t>> components;  // rows*cols values each
};

/// Decodes a J2K codestream or a JP2 file in memory. Refuses (Error dicom_unparseable) data
/// whose size or components differ from what the DICOM header declares, before decoding.
/// `threads` <= 0: one per hardware thread.
J2kFrame decode_j2k(const std::uint8_t* data, std::size_t size, int expected_rows,
                    int expected_cols, int expected_components, int threads = 1);

/// Encodes one frame as a J2K codestream. `samples` holds rows*cols*components values,
/// component-interleaved. ratio <= 1: reversible 5/3 wavelet (lossless); > 1: irreversible 9/7
/// at that compression ratio.
std::vector<std::uint8_t> encode_j2k(const std::vector<std::int32_t>& samples, int rows, int cols,
                                     int components, int precision, bool is_signed, double ratio);

} // namespace osteon::imaging::detail
