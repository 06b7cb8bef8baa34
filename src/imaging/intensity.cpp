// Percentiles, percentile normalisation, brightness/contrast.
#include "osteon/imaging/intensity.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "osteon/core/error.hpp"

namespace osteon::imaging {
namespace {

std::vector<float> values_of(const Image& image, const Mask* mask) {
  if (image.empty()) throw Error(Errc::invalid_argument, "percentile of an empty image");
  if (mask && (mask->rows() != image.rows() || mask->cols() != image.cols())) {
    throw Error(Errc::invalid_argument, "mask and image differ in size");
  }
  std::vector<float> v;
  v.reserve(image.size());
  for (std::size_t i = 0; i < image.size(); ++i) {
    if ((!mask || mask->data()[i]) && std::isfinite(image.data()[i])) v.push_back(image.data()[i]);
  }
  if (v.empty()) throw Error(Errc::invalid_argument, "percentile over an empty mask");
  return v;
}

// Nearest-rank percentiles of several levels, with one partial sort each.
double nth(std::vector<float>& v, double percent) {
  const double p = std::clamp(percent, 0.0, 100.0);
  const auto k = static_cast<std::size_t>(std::llround(p / 100.0 * static_cast<double>(v.size() - 1)));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

} // namespace

double percentile(const Image& image, double percent, const Mask* mask) {
  auto v = values_of(image, mask);
  return nth(v, percent);
}

Image normalize_percentiles(const Image& image, double low_percent, double high_percent, const Mask* mask) {
  if (!(low_percent < high_percent)) throw Error(Errc::invalid_argument, "low percentile must be below high");
  auto v = values_of(image, mask);
  const double lo = nth(v, low_percent), hi = nth(v, high_percent);
  Image out(image.rows(), image.cols());
  out.info = image.info;
  const double span = hi - lo;
  for (std::size_t i = 0; i < image.size(); ++i) {
    const double x = span > 0 ? (image.data()[i] - lo) / span : 0.0;
    out.data()[i] = static_cast<float>(std::clamp(std::isfinite(x) ? x : 0.0, 0.0, 1.0));
  }
  out.info.notes.push_back(fmt::format("normalised: percentiles {}..{} -> 0..1", low_percent, high_percent));
  return out;
}

Image apply_contrast(const Image& image, const ContrastParams& p) {
  Image out(image.rows(), image.cols());
  out.info = image.info;
  const auto a = static_cast<float>(p.alpha), b = static_cast<float>(p.beta);
  for (std::size_t i = 0; i < image.size(); ++i) out.data()[i] = std::clamp(a * image.data()[i] + b, 0.0f, 1.0f);
  return out;
}

HistogramContrastEstimator::HistogramContrastEstimator(double clip_percent, double target_low, double target_high)
    : clip_percent_(clip_percent), target_low_(target_low), target_high_(target_high) {
  if (!(clip_percent >= 0 && clip_percent < 50 && target_low < target_high)) {
    throw Error(Errc::invalid_argument, "histogram contrast: 0 <= clip < 50 and target_low < target_high");
  }
}

ContrastParams HistogramContrastEstimator::estimate(const Image& image) const {
  auto v = values_of(image, nullptr);
  const double lo = nth(v, clip_percent_), hi = nth(v, 100.0 - clip_percent_);
  if (!(hi > lo)) return ContrastParams{1.0, 0.0};
  const double alpha = (target_high_ - target_low_) / (hi - lo);
  return ContrastParams{alpha, target_low_ - alpha * lo};
}

Image auto_contrast(const Image& image, const ContrastEstimator& estimator) {
  const ContrastParams p = estimator.estimate(image);
  Image out = apply_contrast(image, p);
  out.info.notes.push_back(fmt::format("contrast ({}): alpha {:.4g} beta {:.4g}", estimator.name(), p.alpha, p.beta));
  return out;
}

} // namespace osteon::imaging
