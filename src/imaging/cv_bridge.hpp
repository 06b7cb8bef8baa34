#pragma once
// Views of the imaging layer's types as cv::Mat (no copies) and back. Internal to src/imaging.
#include <opencv2/core.hpp>

#include <cstring>
#include <string>

#include "osteon/core/error.hpp"
#include "osteon/imaging/image.hpp"

namespace osteon::imaging::detail {

inline void require_pixels(int rows, int cols, const char* what) {
  if (rows <= 0 || cols <= 0) throw Error(Errc::invalid_argument, std::string(what) + ": empty image");
}

inline cv::Mat view(const Image& image) {
  require_pixels(image.rows(), image.cols(), "image");
  return cv::Mat(image.rows(), image.cols(), CV_32F, const_cast<float*>(image.data()));
}
inline cv::Mat view(const Mask& mask) {
  require_pixels(mask.rows(), mask.cols(), "mask");
  return cv::Mat(mask.rows(), mask.cols(), CV_8U, const_cast<std::uint8_t*>(mask.data()));
}
inline cv::Mat view(const RgbImage& rgb) {
  require_pixels(rgb.rows(), rgb.cols(), "RGB image");
  return cv::Mat(rgb.rows(), rgb.cols(), CV_8UC3, const_cast<std::uint8_t*>(rgb.data()));
}

/// A CV_32F matrix as an Image carrying `info`.
inline Image to_image(const cv::Mat& m, const ImageInfo& info) {
  CV_Assert(m.type() == CV_32F);
  Image out(m.rows, m.cols);
  if (m.isContinuous()) {
    std::memcpy(out.data(), m.ptr<float>(0), out.size() * sizeof(float));
  } else {
    for (int r = 0; r < m.rows; ++r) {
      std::memcpy(out.data() + static_cast<std::size_t>(r) * static_cast<std::size_t>(m.cols), m.ptr<float>(r),
                  static_cast<std::size_t>(m.cols) * sizeof(float));
    }
  }
  out.info = info;
  return out;
}

/// A CV_8U matrix as a mask (non-zero -> 255).
inline Mask to_mask(const cv::Mat& m) {
  CV_Assert(m.type() == CV_8U);
  Mask out(m.rows, m.cols);
  for (int r = 0; r < m.rows; ++r) {
    const std::uint8_t* src = m.ptr<std::uint8_t>(r);
    for (int c = 0; c < m.cols; ++c) out.at(r, c) = src[c] ? 255 : 0;
  }
  return out;
}

} // namespace osteon::imaging::detail
