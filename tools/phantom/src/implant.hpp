// Internal: drawing hip implants (stems, heads, cups) as metal.
#pragma once

#include "osteon/phantom/canvas.hpp"
#include "osteon/phantom/implant_catalogue.hpp"
#include "osteon/phantom/rng.hpp"

#include <opencv2/core.hpp>

namespace osteon::phantom {

// One hip in millimetres: the hip centre (acetabulum and femoral head), the femoral shaft axis
// pointing distally, and which side (right femur: the midline is towards +x).
struct HipFrame {
  Vec centre;
  Vec shaft_dir;
  bool right = true;
  double scale = 1.0;  // implant size factor

  Vec lateral() const;                          // away from the midline, across the shaft
  Vec neck_dir(double neck_angle_deg) const;    // from the shaft towards the head
  Vec cup_opening(double inclination_deg) const;  // normal of the cup face, inferolateral
};

// Where the neck axis meets the shaft axis for a design (stem shoulder hangs above it).
Vec stem_junction(const ImplantDesign& design, const HipFrame& hip);

// Draws the implant into canvas.metal and labels it; returns points that bound it (mm).
std::vector<Vec> draw_implant(Canvas& canvas, const ImplantDesign& design, const HipFrame& hip,
                              double cup_inclination_deg, cv::Mat1b& labels, int label);

// Points that bound the implant without drawing it (for placement checks).
std::vector<Vec> implant_extent(const ImplantDesign& design, const HipFrame& hip,
                                double cup_inclination_deg);

// A plausible design that is not in the catalogue (differs clearly from every entry).
ImplantDesign unknown_design(Rng& rng, const ImplantCatalogue& catalogue);

}  // namespace osteon::phantom
