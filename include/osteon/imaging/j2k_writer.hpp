#pragma once
// JPEG 2000 re-encoding of a DICOM image (OpenJPEG), for tests, benchmarks and transcoding.
#include <filesystem>

namespace osteon::imaging {

struct J2kEncodeOptions {
  // <= 1: lossless (reversible 5/3 wavelet, 1.2.840.10008.1.2.4.90);
  // > 1: lossy at that compression ratio (irreversible 9/7, 1.2.840.10008.1.2.4.91).
  double compression_ratio = 0.0;
};

/// Writes a copy of `in` whose pixel data (every frame) is JPEG 2000 encoded; the other
/// attributes are kept (colour becomes YBR_RCT / YBR_ICT). Stored values are encoded as they
/// are, so a lossless copy decodes to the same pixels. Throws osteon::Error.
void write_jpeg2000_copy(const std::filesystem::path& in, const std::filesystem::path& out,
                         const J2kEncodeOptions& options = {});

} // namespace osteon::imaging
