#pragma once
// PNG files of display images (8-bit grey or RGB), written with zlib: no image codec library.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "osteon/imaging/image.hpp"

namespace osteon::imaging {

/// 8-bit greyscale PNG of an image whose values lie in [0, 1] (values outside are clipped).
std::vector<std::uint8_t> encode_png(const Image& grey);
/// 24-bit RGB PNG.
std::vector<std::uint8_t> encode_png(const RgbImage& rgb);

/// Writes the PNG (to a temporary name, then renamed). Throws Error(io_error) on failure.
void write_png(const std::filesystem::path& file, const Image& grey);
void write_png(const std::filesystem::path& file, const RgbImage& rgb);

} // namespace osteon::imaging
