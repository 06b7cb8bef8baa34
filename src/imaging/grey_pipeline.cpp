// Modality LUT, VOI and polarity as one lookup table over the stored value range.
#include "grey_pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "osteon/core/error.hpp"

namespace osteon::imaging::detail {
namespace {

// Percentile window of the modality values of non-padding pixels (histogram over stored values).
Window auto_window(const std::vector<std::uint64_t>& histogram, const std::vector<double>& modality,
                   double low_percent, double high_percent, double mmin, double mmax) {
  std::vector<std::pair<double, std::uint64_t>> values;
  std::uint64_t total = 0;
  for (std::size_t k = 0; k < histogram.size(); ++k) {
    if (histogram[k] == 0) continue;
    values.emplace_back(modality[k], histogram[k]);
    total += histogram[k];
  }
  double lo = mmin, hi = mmax;
  if (total > 0) {
    std::sort(values.begin(), values.end());
    // Value at a rank: the same rule from either end, so that a mirrored image (MONOCHROME1 vs
    // MONOCHROME2) gets the mirrored window.
    const auto at_rank = [&](double rank) {
      std::uint64_t seen = 0;
      for (const auto& [v, c] : values) {
        seen += c;
        if (static_cast<double>(seen) > rank) return v;
      }
      return values.back().first;
    };
    const double t = static_cast<double>(total);
    lo = at_rank(std::floor(t * low_percent / 100.0));
    hi = at_rank(std::ceil(t * high_percent / 100.0) - 1.0);
  }
  if (!(hi > lo)) hi = lo + 1.0;
  return Window{(lo + hi) / 2.0, hi - lo};
}

} // namespace

double apply_voi(double x, const Window& w, VoiFunction f) {
  switch (f) {
    case VoiFunction::linear: {
      const double c = w.center - 0.5, half = (w.width - 1.0) / 2.0;
      if (x <= c - half) return 0.0;
      if (x > c + half) return 1.0;
      return w.width > 1.0 ? (x - c) / (w.width - 1.0) + 0.5 : 1.0;
    }
    case VoiFunction::linear_exact: {
      if (x <= w.center - w.width / 2.0) return 0.0;
      if (x > w.center + w.width / 2.0) return 1.0;
      return (x - w.center) / w.width + 0.5;
    }
    case VoiFunction::sigmoid: return 1.0 / (1.0 + std::exp(-4.0 * (x - w.center) / w.width));
  }
  return 0.0;
}

GreyResult render_grey(const std::int32_t* stored, std::size_t n, const GreySettings& s, float* out) {
  if (s.bits < 1 || s.bits > 16) throw Error(Errc::dicom_unparseable, fmt::format("{} bits stored are not supported", s.bits));
  const std::int32_t smin = s.is_signed ? -(1 << (s.bits - 1)) : 0;
  const std::int32_t smax = s.is_signed ? (1 << (s.bits - 1)) - 1 : (1 << s.bits) - 1;
  const auto size = static_cast<std::size_t>(smax - smin + 1);

  std::vector<double> modality(size);
  for (std::size_t k = 0; k < size; ++k) {
    const auto v = static_cast<double>(smin + static_cast<std::int32_t>(k));
    modality[k] = s.modality_lut ? s.modality_lut->lookup(v) : v * s.slope + s.intercept;
  }
  GreyResult result;
  result.modality_min = *std::min_element(modality.begin(), modality.end());
  result.modality_max = *std::max_element(modality.begin(), modality.end());

  std::vector<bool> padding(size, false);
  if (s.padding) {
    const auto lo = std::max(std::min(s.padding->first, s.padding->second), smin);
    const auto hi = std::min(std::max(s.padding->first, s.padding->second), smax);
    for (auto v = lo; v <= hi; ++v) padding[static_cast<std::size_t>(v - smin)] = true;
  }

  std::vector<std::uint64_t> histogram(size, 0);  // of non-padding pixels
  for (std::size_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(std::clamp(stored[i], smin, smax) - smin);
    if (!padding[k]) ++histogram[k];
  }

  std::vector<float> table(size);
  if (s.stage == Stage::modality) {
    // Padding takes the darkest value that real pixels have, not an arbitrary extreme.
    double darkest = std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < size; ++k) {
      const double m = s.invert ? result.modality_min + result.modality_max - modality[k] : modality[k];
      if (histogram[k] > 0) darkest = std::min(darkest, m);
      table[k] = static_cast<float>(m);
    }
    if (!std::isfinite(darkest)) darkest = result.modality_min;
    for (std::size_t k = 0; k < size; ++k) {
      if (padding[k]) table[k] = static_cast<float>(darkest);
    }
  } else {
    std::optional<Window> window = s.window;
    VoiFunction function = s.function;
    if (window) {
      const bool ok = function == VoiFunction::linear ? window->width >= 1.0 : window->width > 0.0;
      if (!ok) throw Error(Errc::invalid_argument, fmt::format("window width {} is not usable", window->width));
    } else if (s.voi_lut == nullptr) {
      window = auto_window(histogram, modality, s.auto_low_percent, s.auto_high_percent, result.modality_min,
                           result.modality_max);
      function = VoiFunction::linear_exact;
    }
    for (std::size_t k = 0; k < size; ++k) {
      double y = window ? apply_voi(modality[k], *window, function)
                        : s.voi_lut->lookup(modality[k]) / s.voi_lut->max_output();
      y = std::clamp(y, 0.0, 1.0);
      if (s.invert) y = 1.0 - y;
      table[k] = padding[k] ? 0.0f : static_cast<float>(y);
    }
    result.window = window;
  }

  for (std::size_t i = 0; i < n; ++i) {
    out[i] = table[static_cast<std::size_t>(std::clamp(stored[i], smin, smax) - smin)];
  }
  return result;
}

} // namespace osteon::imaging::detail
