#include "scene.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace osteon::phantom {

Pose random_pose(const Geometry& geometry, Vec anchor_mm, Rng& rng, double max_angle,
                 double scale_lo, double scale_hi, double shift_frac) {
  Pose pose;
  pose.px_per_mm = rng.uniform(scale_lo, scale_hi) / geometry.spacing_mm;
  pose.angle_deg = rng.uniform(-max_angle, max_angle);
  pose.anchor_mm = anchor_mm;
  const double w = geometry.cols, h = geometry.rows;
  pose.center_px = Vec{w * (0.5 + rng.uniform(-shift_frac, shift_frac)),
                       h * (0.5 + rng.uniform(-shift_frac, shift_frac))};
  return pose;
}

cv::Mat1b soft_tissue_from_mask(Canvas& canvas, const cv::Mat1b& mask, double thickness_mm,
                                double blur_mm) {
  const double blur_px = std::max(1.0, canvas.pose().px(blur_mm));
  const int factor = std::clamp(static_cast<int>(blur_px / 3.0), 1, 16);
  cv::Mat small;
  cv::resize(mask, small, cv::Size(std::max(1, mask.cols / factor), std::max(1, mask.rows / factor)),
             0, 0, cv::INTER_AREA);
  small.convertTo(small, CV_32F, 1.0 / 255.0);
  cv::GaussianBlur(small, small, cv::Size(), blur_px / factor);
  cv::Mat1f smooth;
  cv::resize(small, smooth, mask.size(), 0, 0, cv::INTER_LINEAR);
  cv::Mat1b outline(mask.size(), std::uint8_t{0});
  const auto t = static_cast<float>(thickness_mm);
  for (int y = 0; y < mask.rows; ++y) {
    const float* sm = smooth.ptr<float>(y);
    float* out = canvas.soft.ptr<float>(y);
    std::uint8_t* o = outline.ptr<std::uint8_t>(y);
    for (int x = 0; x < mask.cols; ++x) {
      if (sm[x] < 0.5f) continue;
      o[x] = 255;
      out[x] += t * std::sqrt(std::min(1.0f, (sm[x] - 0.42f) * 1.9f));
    }
  }
  return outline;
}

double round_to(double value, int decimals) {
  const double f = std::pow(10.0, decimals);
  return std::round(value * f) / f;
}

nlohmann::json point_json(Vec px) { return {round_to(px.x, 1), round_to(px.y, 1)}; }

}  // namespace osteon::phantom
