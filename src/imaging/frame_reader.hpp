#pragma once
// One frame of stored sample values, whatever the encoding: native (any bit layout), DCMTK's
// codecs (JPEG, JPEG-LS, RLE) or JPEG 2000 / HTJ2K (OpenJPEG).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "pixel_module.hpp"

class DcmItem;
class DcmElement;

namespace osteon::imaging::detail {

struct FrameSamples {
  int components = 1;                // 1, or 3 for colour
  std::size_t pixels = 0;            // per component
  std::vector<std::int32_t> values;  // planar: component c holds [c*pixels, (c+1)*pixels)
  std::string color_model;           // photometric of these samples (a codec may convert YBR->RGB)
  int bits = 0;                      // every value lies in the range of `bits`-bit samples
  bool is_signed = false;
};

/// Stored values (high bit aligned, sign extended) of `count` samples of `bits_allocated` bits
/// each, read from little-endian bytes starting `bit_offset` bits in. `bytes` must hold them.
std::vector<std::int32_t> unpack_samples(const std::uint8_t* bytes, std::uint64_t bit_offset, std::size_t count,
                                         int bits_allocated, int bits_stored, int high_bit, bool is_signed);

/// Reads frame `frame` of the pixel data element. Throws Error(dicom_unparseable) for corrupt
/// or missing data. Notes about repairs made (sign, precision) are appended to `notes`.
/// `codec_threads`: OpenJPEG worker threads (<= 0: one per hardware thread).
FrameSamples read_frame(DcmItem& dataset, DcmElement& pixel_data, const PixelModule& pm, int frame,
                        std::vector<std::string>& notes, int codec_threads = 1);

} // namespace osteon::imaging::detail
