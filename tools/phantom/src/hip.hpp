// Internal: AP pelvis phantom with hip implants for implant identification.
#pragma once

#include "osteon/phantom/implant_catalogue.hpp"
#include "scene.hpp"

#include <array>
#include <optional>

namespace osteon::phantom {

struct HipSide {
  std::optional<ImplantDesign> implant;  // none: native hip
  bool in_catalogue = true;
  double scale = 1.0;          // implant size relative to the design
  double cup_inclination = 45;  // degrees
};

struct HipSubject {
  Patient patient;
  double size = 1.0;
  double neck_shaft_deg = 130.0;
  std::array<HipSide, 2> sides;  // 0: patient right (image left), 1: patient left
};

HipSubject draw_hip_subject(Rng& rng, const ImplantCatalogue& catalogue);
Scene draw_hip(const HipSubject& subject, const Geometry& geometry, Rng& rng);

}  // namespace osteon::phantom
