// Thresholds, morphology and connected components.
#include "osteon/imaging/segmentation.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>

#include "cv_bridge.hpp"

namespace osteon::imaging {

double otsu_threshold(const Image& image, const Mask* mask) {
  const cv::Mat in = detail::view(image);
  if (mask && (mask->rows() != image.rows() || mask->cols() != image.cols())) {
    throw Error(Errc::invalid_argument, "mask and image differ in size");
  }
  double lo = 0, hi = 0;
  cv::minMaxLoc(in, &lo, &hi, nullptr, nullptr, mask ? detail::view(*mask) : cv::noArray());
  if (!(hi > lo)) return lo;
  constexpr int bins = 256;
  std::array<double, bins> hist{};
  double total = 0;
  for (std::size_t i = 0; i < image.size(); ++i) {
    if (mask && !mask->data()[i]) continue;
    const double v = image.data()[i];
    if (!std::isfinite(v)) continue;
    const int b = std::clamp(static_cast<int>((v - lo) / (hi - lo) * bins), 0, bins - 1);
    hist[static_cast<std::size_t>(b)] += 1;
    total += 1;
  }
  double sum_all = 0;
  for (int b = 0; b < bins; ++b) sum_all += b * hist[static_cast<std::size_t>(b)];
  double w0 = 0, sum0 = 0, best = -1;
  int best_bin = 0;
  for (int b = 0; b < bins - 1; ++b) {  // class 0 = bins [0, b]
    w0 += hist[static_cast<std::size_t>(b)];
    sum0 += b * hist[static_cast<std::size_t>(b)];
    const double w1 = total - w0;
    if (w0 == 0 || w1 == 0) continue;
    const double m0 = sum0 / w0, m1 = (sum_all - sum0) / w1;
    const double between = w0 * w1 * (m0 - m1) * (m0 - m1);
    if (between > best) {
      best = between;
      best_bin = b;
    }
  }
  return lo + (best_bin + 1) * (hi - lo) / bins;  // upper edge of the last background bin
}

Mask threshold(const Image& image, double value) {
  Mask out(image.rows(), image.cols());
  for (std::size_t i = 0; i < image.size(); ++i) out.data()[i] = image.data()[i] > value ? 255 : 0;
  return out;
}

Mask binarize_otsu(const Image& image) { return threshold(image, otsu_threshold(image)); }

Mask binarize_adaptive(const Image& image, const AdaptiveOptions& o) {
  if (o.block_size < 3 || o.block_size % 2 == 0) throw Error(Errc::invalid_argument, "adaptive: odd block size >= 3");
  const cv::Mat in = detail::view(image);
  cv::Mat mean;
  if (o.gaussian) {
    cv::GaussianBlur(in, mean, cv::Size(o.block_size, o.block_size), 0, 0, cv::BORDER_REPLICATE);
  } else {
    cv::boxFilter(in, mean, CV_32F, cv::Size(o.block_size, o.block_size), cv::Point(-1, -1), true, cv::BORDER_REPLICATE);
  }
  Mask out(image.rows(), image.cols());
  const auto* m = mean.ptr<float>(0);  // continuous: freshly allocated
  for (std::size_t i = 0; i < image.size(); ++i) out.data()[i] = image.data()[i] > m[i] - o.offset ? 255 : 0;
  return out;
}

Mask morphology(const Mask& mask, Morphology op, int radius) {
  if (radius < 0) throw Error(Errc::invalid_argument, "morphology: radius >= 0");
  if (radius == 0) return mask;
  const cv::Mat kernel = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * radius + 1, 2 * radius + 1));
  static constexpr int ops[] = {cv::MORPH_ERODE, cv::MORPH_DILATE, cv::MORPH_OPEN, cv::MORPH_CLOSE};
  cv::Mat out;
  // Outside the image counts as background for every operation.
  cv::morphologyEx(detail::view(mask), out, ops[static_cast<int>(op)], kernel, cv::Point(-1, -1), 1,
                   cv::BORDER_CONSTANT, cv::Scalar(0));
  return detail::to_mask(out);
}

Mask largest_component(const Mask& mask, int connectivity) {
  if (connectivity != 4 && connectivity != 8) throw Error(Errc::invalid_argument, "connectivity 4 or 8");
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(detail::view(mask), labels, stats, centroids, connectivity, CV_32S);
  Mask out(mask.rows(), mask.cols());
  if (n <= 1) return out;
  int best = 1;
  for (int i = 2; i < n; ++i) {
    if (stats.at<int>(i, cv::CC_STAT_AREA) > stats.at<int>(best, cv::CC_STAT_AREA)) best = i;
  }
  for (int r = 0; r < mask.rows(); ++r) {
    const int* l = labels.ptr<int>(r);
    for (int c = 0; c < mask.cols(); ++c) out.at(r, c) = l[c] == best ? 255 : 0;
  }
  return out;
}

Mask fill_holes(const Mask& mask) {
  // Background reachable from the border stays background; the rest becomes inside.
  cv::Mat padded;
  cv::copyMakeBorder(detail::view(mask), padded, 1, 1, 1, 1, cv::BORDER_CONSTANT, cv::Scalar(0));
  cv::Mat flood = padded.clone();
  cv::floodFill(flood, cv::Point(0, 0), cv::Scalar(255));
  cv::Mat holes;
  cv::bitwise_not(flood, holes);
  cv::Mat filled = padded | holes;
  return detail::to_mask(filled(cv::Rect(1, 1, mask.cols(), mask.rows())).clone());
}

} // namespace osteon::imaging
