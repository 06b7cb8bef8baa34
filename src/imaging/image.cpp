// Constructors and small helpers of the imaging layer's own image types.
#include "osteon/imaging/image.hpp"

#include <algorithm>
#include <string>

#include "osteon/core/error.hpp"

namespace osteon::imaging {
namespace {

std::size_t checked_area(int rows, int cols) {
  if (rows < 0 || cols < 0) throw Error(Errc::invalid_argument, "image dimensions must not be negative");
  return static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
}

} // namespace

bool ImageInfo::has_note(const std::string& prefix) const {
  return std::any_of(notes.begin(), notes.end(),
                     [&](const std::string& n) { return n.rfind(prefix, 0) == 0; });
}

Image::Image(int rows, int cols, float fill)
    : rows_(rows), cols_(cols), pixels_(checked_area(rows, cols), fill) {}

Image::Image(int rows, int cols, std::vector<float> pixels)
    : rows_(rows), cols_(cols), pixels_(std::move(pixels)) {
  if (pixels_.size() != checked_area(rows, cols)) {
    throw Error(Errc::invalid_argument, "image pixel count does not match rows x columns");
  }
}

Mask::Mask(int rows, int cols, std::uint8_t fill)
    : rows_(rows), cols_(cols), data_(checked_area(rows, cols), fill) {}

std::size_t Mask::count() const {
  return static_cast<std::size_t>(std::count_if(data_.begin(), data_.end(), [](std::uint8_t v) { return v != 0; }));
}

RgbImage::RgbImage(int rows, int cols) : rows_(rows), cols_(cols), data_(3 * checked_area(rows, cols), 0) {}

} // namespace osteon::imaging
