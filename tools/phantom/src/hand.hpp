// Internal: left hand PA phantom for bone-age estimation.
#pragma once

#include "scene.hpp"

namespace osteon::phantom {

struct HandSubject {
  Patient patient;
  double bone_age_months = 0.0;
  double size_jitter = 1.0;
  double finger_spread_deg = 0.0;
  double thumb_angle_deg = 38.0;
  double soft_thickness = 1.0;
};

// Sex, bone age and chronological age (bone age plus a realistic spread, with some markedly
// advanced or delayed children).
HandSubject draw_hand_subject(Rng& rng);
Scene draw_hand(const HandSubject& subject, const Geometry& geometry, Rng& rng);

}  // namespace osteon::phantom
