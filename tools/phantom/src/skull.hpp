// Internal: lateral skull phantom for nasal-bone fracture detection.
#pragma once

#include "scene.hpp"

namespace osteon::phantom {

enum class FractureType { none, discontinuity, step_off, angulation };

struct SkullSubject {
  Patient patient;
  double size = 1.0;           // skull scale
  double nasal_length_mm = 22.0;
  double nasal_angle_deg = 35.0;  // from the vertical, towards the face
  double nasal_curve = 0.0;
  double nasal_thickness = 1.0;
  FractureType fracture = FractureType::none;
  double fracture_t = 0.5;        // fraction of the length from nasion
  double fracture_amount = 0.0;   // mm (gap or step) or degrees (angulation)
  double fracture_obliquity = 0.0;
  bool groove = false;            // neurovascular groove along the nasal bone
  double groove_offset = 0.0;
};

SkullSubject draw_skull_subject(Rng& rng);
Scene draw_skull(const SkullSubject& subject, const Geometry& geometry, Rng& rng);

}  // namespace osteon::phantom
