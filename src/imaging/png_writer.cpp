// Minimal PNG encoder (PNG 1.2: IHDR, one IDAT compressed with zlib, IEND), filter type 1 (Sub).
#include "osteon/imaging/png.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>

#include "osteon/core/error.hpp"

namespace osteon::imaging {
namespace {

void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

void chunk(std::vector<std::uint8_t>& out, const char* type, const std::vector<std::uint8_t>& data) {
  put32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  const uLong crc = crc32(0L, out.data() + start, static_cast<uInt>(out.size() - start));
  put32(out, static_cast<std::uint32_t>(crc));
}

// rows of `channels` bytes per pixel, already 8-bit
std::vector<std::uint8_t> encode(const std::uint8_t* pixels, int rows, int cols, int channels) {
  if (rows <= 0 || cols <= 0) throw Error(Errc::invalid_argument, "cannot write an empty image as PNG");
  const auto stride = static_cast<std::size_t>(cols) * static_cast<std::size_t>(channels);
  std::vector<std::uint8_t> raw;
  raw.reserve((stride + 1) * static_cast<std::size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    const std::uint8_t* row = pixels + static_cast<std::size_t>(r) * stride;
    raw.push_back(1);  // Sub filter: difference to the pixel on the left
    for (std::size_t i = 0; i < stride; ++i) {
      const std::uint8_t left = i >= static_cast<std::size_t>(channels) ? row[i - static_cast<std::size_t>(channels)] : 0;
      raw.push_back(static_cast<std::uint8_t>(row[i] - left));
    }
  }
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<std::uint8_t> idat(size);
  if (compress2(idat.data(), &size, raw.data(), static_cast<uLong>(raw.size()), 6) != Z_OK) {
    throw Error(Errc::internal, "zlib compression failed");
  }
  idat.resize(size);

  std::vector<std::uint8_t> png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  std::vector<std::uint8_t> ihdr;
  put32(ihdr, static_cast<std::uint32_t>(cols));
  put32(ihdr, static_cast<std::uint32_t>(rows));
  ihdr.insert(ihdr.end(), {8, static_cast<std::uint8_t>(channels == 3 ? 2 : 0), 0, 0, 0});
  chunk(png, "IHDR", ihdr);
  chunk(png, "IDAT", idat);
  chunk(png, "IEND", {});
  return png;
}

void write_bytes(const std::filesystem::path& file, const std::vector<std::uint8_t>& bytes) {
  const std::filesystem::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) throw Error(Errc::io_error, "cannot write " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error(Errc::io_error, "cannot write " + file.string());
  }
}

} // namespace

std::vector<std::uint8_t> encode_png(const Image& grey) {
  std::vector<std::uint8_t> bytes(grey.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const float v = grey.data()[i];
    bytes[i] = static_cast<std::uint8_t>(std::lround(std::clamp(std::isfinite(v) ? v : 0.0f, 0.0f, 1.0f) * 255.0f));
  }
  return encode(bytes.data(), grey.rows(), grey.cols(), 1);
}

std::vector<std::uint8_t> encode_png(const RgbImage& rgb) { return encode(rgb.data(), rgb.rows(), rgb.cols(), 3); }

void write_png(const std::filesystem::path& file, const Image& grey) { write_bytes(file, encode_png(grey)); }
void write_png(const std::filesystem::path& file, const RgbImage& rgb) { write_bytes(file, encode_png(rgb)); }

} // namespace osteon::imaging
