// Resize, letterbox, crop, principal axis and rotation.
#include "osteon/imaging/geometry.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "cv_bridge.hpp"

namespace osteon::imaging {
namespace {

void scale_spacing(ImageInfo& info, double row_scale, double col_scale) {
  if (info.pixel_spacing) {
    info.pixel_spacing->row_mm /= row_scale;
    info.pixel_spacing->column_mm /= col_scale;
  }
}

cv::Rect clamp_box(const Box& box, int rows, int cols) {
  const int x0 = std::clamp(box.x, 0, cols), y0 = std::clamp(box.y, 0, rows);
  const int x1 = std::clamp(box.x + box.width, 0, cols), y1 = std::clamp(box.y + box.height, 0, rows);
  if (x1 <= x0 || y1 <= y0) throw Error(Errc::invalid_argument, "crop box lies outside the image");
  return cv::Rect(x0, y0, x1 - x0, y1 - y0);
}

cv::Mat rotated(const cv::Mat& in, double degrees, int interpolation, const cv::Scalar& fill) {
  const cv::Point2f centre((static_cast<float>(in.cols) - 1.0f) / 2.0f, (static_cast<float>(in.rows) - 1.0f) / 2.0f);
  cv::Mat m = cv::getRotationMatrix2D(centre, degrees, 1.0);
  const cv::Rect2f bounds = cv::RotatedRect(cv::Point2f(), in.size(), static_cast<float>(degrees)).boundingRect2f();
  const int width = static_cast<int>(std::lround(bounds.width)), height = static_cast<int>(std::lround(bounds.height));
  m.at<double>(0, 2) += (width - 1) / 2.0 - centre.x;
  m.at<double>(1, 2) += (height - 1) / 2.0 - centre.y;
  cv::Mat out;
  cv::warpAffine(in, out, m, cv::Size(std::max(width, 1), std::max(height, 1)), interpolation, cv::BORDER_CONSTANT, fill);
  return out;
}

} // namespace

Image resize(const Image& image, int rows, int cols) {
  if (rows <= 0 || cols <= 0) throw Error(Errc::invalid_argument, "resize to an empty size");
  const cv::Mat in = detail::view(image);
  cv::Mat out;
  const bool shrink = rows < image.rows() || cols < image.cols();
  cv::resize(in, out, cv::Size(cols, rows), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
  Image result = detail::to_image(out, image.info);
  scale_spacing(result.info, static_cast<double>(rows) / image.rows(), static_cast<double>(cols) / image.cols());
  return result;
}

Letterbox letterbox(const Image& image, int size, float fill) {
  if (size <= 0) throw Error(Errc::invalid_argument, "letterbox size must be positive");
  detail::view(image);  // rejects an empty image
  const double scale = static_cast<double>(size) / std::max(image.rows(), image.cols());
  const int rows = std::clamp(static_cast<int>(std::lround(image.rows() * scale)), 1, size);
  const int cols = std::clamp(static_cast<int>(std::lround(image.cols() * scale)), 1, size);
  const Image scaled = resize(image, rows, cols);
  Letterbox out;
  out.scale = scale;
  out.offset_x = (size - cols) / 2;
  out.offset_y = (size - rows) / 2;
  out.image = Image(size, size, fill);
  out.image.info = scaled.info;
  for (int r = 0; r < rows; ++r) {
    const float* src = scaled.data() + static_cast<std::size_t>(r) * static_cast<std::size_t>(cols);
    std::copy(src, src + cols, &out.image.at(r + out.offset_y, out.offset_x));
  }
  out.image.info.notes.push_back(fmt::format("letterboxed onto {}x{} (scale {:.4g})", size, size, scale));
  return out;
}

Box bounding_box(const Mask& mask) {
  std::vector<cv::Point> points;
  cv::findNonZero(detail::view(mask), points);
  if (points.empty()) return Box{};
  const cv::Rect r = cv::boundingRect(points);
  return Box{r.x, r.y, r.width, r.height};
}

Box with_margin(const Box& box, double margin, int rows, int cols) {
  if (box.empty()) return box;
  const int m = static_cast<int>(std::lround(margin * std::max(box.width, box.height)));
  const int x0 = std::max(0, box.x - m), y0 = std::max(0, box.y - m);
  const int x1 = std::min(cols, box.x + box.width + m), y1 = std::min(rows, box.y + box.height + m);
  return Box{x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)};
}

Image crop(const Image& image, const Box& box) {
  const cv::Rect r = clamp_box(box, image.rows(), image.cols());
  Image out = detail::to_image(detail::view(image)(r).clone(), image.info);
  out.info.notes.push_back(fmt::format("cropped to {}x{} at ({}, {})", r.width, r.height, r.x, r.y));
  return out;
}

Mask crop(const Mask& mask, const Box& box) {
  const cv::Rect r = clamp_box(box, mask.rows(), mask.cols());
  return detail::to_mask(detail::view(mask)(r).clone());
}

double principal_axis_angle(const Mask& mask) {
  const cv::Moments m = cv::moments(detail::view(mask), true);
  if (m.m00 <= 0) throw Error(Errc::invalid_argument, "principal axis of an empty mask");
  // Major axis angle from the x axis in image coordinates (y down) = clockwise on screen.
  const double theta = 0.5 * std::atan2(2.0 * m.mu11, m.mu20 - m.mu02) * 180.0 / std::numbers::pi;
  double from_vertical = theta - 90.0;  // clockwise from the downward vertical... same line as upward
  while (from_vertical <= -90.0) from_vertical += 180.0;
  while (from_vertical > 90.0) from_vertical -= 180.0;
  return from_vertical;
}

Image rotate(const Image& image, double degrees, float fill) {
  Image out = detail::to_image(rotated(detail::view(image), degrees, cv::INTER_LINEAR, cv::Scalar(fill)), image.info);
  out.info.notes.push_back(fmt::format("rotated {:.2f} degrees", degrees));
  return out;
}

Mask rotate(const Mask& mask, double degrees) {
  return detail::to_mask(rotated(detail::view(mask), degrees, cv::INTER_NEAREST, cv::Scalar(0)));
}

Aligned rotate_to_principal_axis(const Image& image, const Mask& mask, float fill) {
  if (image.rows() != mask.rows() || image.cols() != mask.cols()) {
    throw Error(Errc::invalid_argument, "mask and image differ in size");
  }
  Aligned out;
  // The axis lies `angle` clockwise from vertical: turning it back is a counter-clockwise turn.
  out.degrees = principal_axis_angle(mask);
  out.image = rotate(image, out.degrees, fill);
  out.mask = rotate(mask, out.degrees);
  return out;
}

} // namespace osteon::imaging
