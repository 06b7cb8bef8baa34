#pragma once
// The Image Pixel module of a data set, read and checked before any pixel memory is touched.
#include <cstdint>
#include <optional>
#include <string>

class DcmItem;

namespace osteon::imaging::detail {

enum class Encoding { native, dcmtk_codec, jpeg2000, deflated_frames };

struct PixelModule {
  int rows = 0, cols = 0;
  int samples_per_pixel = 1;
  int bits_allocated = 0, bits_stored = 0, high_bit = 0;
  bool is_signed = false;
  int planar_configuration = 0;
  std::string photometric;       // trimmed of spaces and NULs
  int frames = 1;
  std::string transfer_syntax;   // UID
  Encoding encoding = Encoding::native;

  std::uint64_t pixels_per_frame() const {
    return static_cast<std::uint64_t>(rows) * static_cast<std::uint64_t>(cols);
  }
  bool monochrome() const { return photometric == "MONOCHROME1" || photometric == "MONOCHROME2"; }
  /// Native YBR_FULL_422 stores two luminance and two chroma samples per pair of pixels.
  bool subsampled_422() const { return photometric == "YBR_FULL_422" || photometric == "YBR_PARTIAL_422"; }
  /// Bytes of one native frame (bit-packed data rounded up to a whole byte).
  std::uint64_t native_frame_bits() const;
};

/// Encoding family of a transfer syntax UID; throws Error(dicom_unparseable) when unsupported.
Encoding classify_transfer_syntax(const std::string& uid);

/// Reads and validates the pixel module. rows x columns x frames is computed without overflow
/// and checked against max_pixels (Error out_of_resources) before anything is allocated. For
/// native (uncompressed) data, native_bytes is the Pixel Data length: when it is too short for
/// every declared frame the data is truncated or the header inconsistent (dicom_unparseable).
PixelModule read_pixel_module(DcmItem& dataset, const std::string& transfer_syntax,
                              std::uint64_t max_pixels, std::optional<std::uint64_t> native_bytes);

} // namespace osteon::imaging::detail
