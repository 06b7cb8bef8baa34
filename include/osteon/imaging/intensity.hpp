#pragma once
// Intensity operators: percentiles, percentile normalisation, brightness/contrast (alpha, beta).
#include <memory>
#include <string>

#include "osteon/imaging/image.hpp"

namespace osteon::imaging {

/// Value below which `percent` % of the pixels lie (nearest rank), over the mask's inside
/// pixels when a mask is given. Throws Error(invalid_argument) for an empty image or mask.
double percentile(const Image& image, double percent, const Mask* mask = nullptr);

/// Maps the low and high percentiles to 0 and 1, clipping outside: robust to collimator edges,
/// markers and padding. A flat image becomes all zeros.
Image normalize_percentiles(const Image& image, double low_percent = 1.0, double high_percent = 99.0,
                            const Mask* mask = nullptr);

/// out = clamp(alpha * in + beta, 0, 1).
struct ContrastParams {
  double alpha = 1.0;  // contrast
  double beta = 0.0;   // brightness
};
Image apply_contrast(const Image& image, const ContrastParams& params);

/// Estimates alpha and beta for one image. Deterministic now; a learned estimator (a small
/// model regressing alpha and beta) implements the same interface later.
class ContrastEstimator {
 public:
  virtual ~ContrastEstimator() = default;
  virtual ContrastParams estimate(const Image& image) const = 0;
  virtual std::string name() const = 0;
};

/// Histogram clipping: the `clip_percent` darkest and brightest pixels saturate and the rest is
/// stretched onto [target_low, target_high] (the classic automatic brightness/contrast).
class HistogramContrastEstimator final : public ContrastEstimator {
 public:
  explicit HistogramContrastEstimator(double clip_percent = 1.0, double target_low = 0.0, double target_high = 1.0);
  ContrastParams estimate(const Image& image) const override;
  std::string name() const override { return "histogram-clip"; }

 private:
  double clip_percent_, target_low_, target_high_;
};

/// Estimates with `estimator` and applies; records alpha and beta in the image notes.
Image auto_contrast(const Image& image, const ContrastEstimator& estimator);

} // namespace osteon::imaging
