// Internal: what a kind-specific generator hands to the common radiograph renderer.
#pragma once

#include "osteon/phantom/canvas.hpp"
#include "osteon/phantom/phantom.hpp"
#include "osteon/phantom/rng.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace osteon::phantom {

struct Patient {
  bool female = true;
  double age_months = 0.0;  // chronological age
};

struct Scene {
  explicit Scene(const Canvas& c) : canvas(c) {}
  Canvas canvas;
  std::vector<NamedMask> masks;
  nlohmann::json truth = nlohmann::json::object();
  std::vector<cv::Rect> keep;  // pixel boxes that collimation must leave visible
  std::string marker = "L";    // burned-in lead side marker
  bool marker_left = true;     // marker on the image's left half
  double mu_soft = 0.012;      // attenuation per mm of soft tissue
};

// Random placement: rotation within +-max_angle, scale factor in [scale_lo, scale_hi] of the
// nominal px/mm, anchor moved by up to shift_frac of the image size from the image centre.
Pose random_pose(const Geometry& geometry, Vec anchor_mm, Rng& rng, double max_angle,
                 double scale_lo, double scale_hi, double shift_frac);

// Soft tissue from a filled outline: the outline is rounded by blurring (the returned mask), and
// the thickness follows the blurred mask, so thin parts (fingers, the nose) get less tissue.
cv::Mat1b soft_tissue_from_mask(Canvas& canvas, const cv::Mat1b& mask, double thickness_mm,
                                double blur_mm);

// Rounds for JSON (keeps the records short and stable).
double round_to(double value, int decimals);
nlohmann::json point_json(Vec px);

}  // namespace osteon::phantom
