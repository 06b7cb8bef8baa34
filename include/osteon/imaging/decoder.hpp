#pragma once
// Pixel data -> calibrated float image, for every transfer syntax the node accepts:
// implicit/explicit VR little endian, explicit big endian, deflate, JPEG baseline/extended/
// lossless, JPEG-LS, RLE (DCMTK's codecs) and JPEG 2000 / HTJ2K (OpenJPEG, decoded here).
//
// Greyscale: Modality LUT (rescale or LUT sequence), VOI (window, VOI LUT sequence, or an
// automatic percentile window), MONOCHROME1 / INVERSE polarity, pixel padding, signed and
// packed samples, 1-16 bits stored. Colour (RGB, YBR_*, PALETTE COLOR) becomes luminance.
//
// Every failure is an osteon::Error:
//   not_found          the object has no Pixel Data (header only, SR, PDF...)
//   dicom_unparseable  the file or its pixel data is corrupt, truncated, inconsistent, or in an
//                      encoding/photometric interpretation this decoder does not support
//   out_of_resources   rows x columns x frames is above DecodeOptions::max_pixels (checked before
//                      any pixel memory is allocated), or memory ran out
//   invalid_argument   the options do not fit the object (frame out of range, bad window)
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "osteon/dicom/dicom_file.hpp"
#include "osteon/imaging/image.hpp"

namespace osteon::imaging {

struct DecodeOptions {
  Stage stage = Stage::presentation;
  int frame = 0;                        // 0-based frame of a multi-frame object
  std::optional<Window> window;         // overrides the VOI stored in the object
  // Bound on rows x columns x frames (checked before any pixel memory is allocated).
  std::uint64_t max_pixels = std::uint64_t{256} << 20;
  // Automatic window (no window and no VOI LUT in the object): these percentiles of the
  // modality values (padding excluded) map to black and white.
  double auto_window_low_percent = 0.5;
  double auto_window_high_percent = 99.5;
  // Worker threads OpenJPEG may use for one JPEG 2000 frame; 0: one per hardware thread.
  int codec_threads = 0;
};

/// Decodes one frame of a DICOM file (Part 10 or a bare data set).
/// Loads `file` (dicom::DicomFile::load) and decodes it.
Image decode_file(const std::filesystem::path& file, const DecodeOptions& options = {});
/// Decodes an already loaded file (a job decodes its one parse of the source, more than once).
Image decode(const dicom::DicomFile& source, const DecodeOptions& options = {});

/// The first frame for display, as 8-bit RGB: RGB objects (Secondary Captures) keep their
/// colours, everything else is the presentation image in grey.
RgbImage decode_display(const std::filesystem::path& file);

/// True for the transfer syntaxes decode_file() can decode.
bool supported_transfer_syntax(const std::string& uid);

} // namespace osteon::imaging
