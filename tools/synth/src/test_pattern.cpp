// make_test_pattern and write_dx_series: quick deterministic DX content without OpenCV.
#include "osteon/synth/dx_writer.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace osteon::synth {
namespace {

// splitmix64: tiny, fast and identical on every platform.
class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n).
  unsigned below(unsigned n) { return static_cast<unsigned>(next() % n); }

 private:
  std::uint64_t state_;
};

}  // namespace

PixelImage make_test_pattern(unsigned rows, unsigned cols, unsigned bits_stored,
                             std::uint32_t seed) {
  if (rows == 0 || cols == 0) throw std::invalid_argument("make_test_pattern: empty size");
  if (bits_stored < 8 || bits_stored > 16)
    throw std::invalid_argument("make_test_pattern: bits_stored must be 8..16");
  PixelImage image;
  image.rows = rows;
  image.cols = cols;
  image.bits_stored = bits_stored;
  image.pixels.resize(std::size_t{rows} * cols);
  const std::uint32_t max_value = (1u << bits_stored) - 1u;
  SplitMix rng(0x05EE0u ^ (std::uint64_t{seed} << 16));

  // Diagonal gradient over the lower half of the range.
  const std::uint64_t span = std::uint64_t{rows} + cols;
  for (unsigned r = 0; r < rows; ++r) {
    std::uint16_t* row = image.pixels.data() + std::size_t{r} * cols;
    for (unsigned c = 0; c < cols; ++c) {
      row[c] = static_cast<std::uint16_t>((std::uint64_t{r} + c) * (max_value / 2) / span);
    }
  }
  // A few bright rectangles and discs ("bones").
  const unsigned shapes = 3 + rng.below(4);
  for (unsigned s = 0; s < shapes; ++s) {
    const unsigned h = 1 + rng.below(std::max(1u, rows / 3));
    const unsigned w = 1 + rng.below(std::max(1u, cols / 3));
    const unsigned top = rng.below(rows), left = rng.below(cols);
    const std::uint32_t level = max_value / 2 + rng.below(max_value / 3 + 1);
    const bool disc = (s % 2) == 1;
    for (unsigned r = top; r < std::min(rows, top + h); ++r) {
      std::uint16_t* row = image.pixels.data() + std::size_t{r} * cols;
      for (unsigned c = left; c < std::min(cols, left + w); ++c) {
        if (disc) {
          const double dy = (r - top + 0.5) / h - 0.5, dx = (c - left + 0.5) / w - 0.5;
          if (dx * dx + dy * dy > 0.25) continue;
        }
        row[c] = static_cast<std::uint16_t>(level);
      }
    }
  }
  // Noise: one 64-bit draw gives four 16-bit samples, each reduced to a small +-amplitude.
  const std::uint32_t amplitude = std::max<std::uint32_t>(1, max_value / 128);
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < image.pixels.size(); ++i) {
    if ((i & 3u) == 0) bits = rng.next();
    const auto sample = static_cast<std::uint32_t>(bits & 0xFFFFu) % (2 * amplitude + 1);
    bits >>= 16;
    const std::int64_t v = std::int64_t{image.pixels[i]} + sample - amplitude;
    image.pixels[i] = static_cast<std::uint16_t>(std::clamp<std::int64_t>(v, 0, max_value));
  }
  return image;
}

std::vector<std::filesystem::path> write_dx_series(const std::filesystem::path& dir,
                                                   unsigned count, unsigned rows,
                                                   unsigned cols, std::uint32_t seed,
                                                   const DxAttributes& base) {
  std::filesystem::create_directories(dir);
  // Test series keep a >= 2^40 so that they never collide with phantom-generator UIDs.
  const std::uint64_t key = (std::uint64_t{1} << 40) | seed;
  DxAttributes attrs = base;
  if (attrs.study_uid.empty()) attrs.study_uid = make_uid("study", key);
  if (attrs.series_uid.empty())
    attrs.series_uid = make_uid("series", key, static_cast<std::uint64_t>(attrs.series_number));
  std::vector<std::filesystem::path> files;
  files.reserve(count);
  for (unsigned i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%04u.dcm", i);
    DxAttributes instance = attrs;
    instance.instance_number = static_cast<int>(i) + 1;
    if (base.sop_uid.empty() || count > 1)
      instance.sop_uid = make_uid("instance", key, std::uint64_t{i} + 1);
    const PixelImage image = make_test_pattern(rows, cols, 12, seed + i);
    files.push_back(dir / name);
    write_dx(files.back(), instance, image);
  }
  return files;
}

}  // namespace osteon::synth
