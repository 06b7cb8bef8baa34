// The implant catalogue: fictional hip stem/cup designs the phantoms draw and the implant
// pipeline classifies. Loaded from models/implant_catalogue.json.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace osteon::phantom {

struct ImplantDesign {
  std::string id, manufacturer, model;
  std::string type;  // total_hip, bipolar_hemi, resurfacing
  // Femoral stem (length 0: no stem, e.g. resurfacing with a peg only).
  double stem_length_mm = 0, stem_proximal_width_mm = 0, stem_distal_width_mm = 0;
  double stem_shoulder_mm = 0;   // lateral shoulder height above the neck cut
  double stem_curvature = 0;     // anatomic bow, mm at mid-length
  bool collar = false;
  int fins = 0, holes = 0;
  std::string tip = "round";     // round, pointed
  double neck_angle_deg = 130, neck_length_mm = 30;
  double head_diameter_mm = 32;
  std::string cup = "hemispherical";  // hemispherical, flanged, dual_mobility, none
  double cup_diameter_mm = 52, cup_wall_mm = 4;
  int cup_screw_holes = 0;
  double peg_length_mm = 0;      // resurfacing peg
};

class ImplantCatalogue {
 public:
  // Throws std::runtime_error naming the file and the problem.
  static ImplantCatalogue load(const std::filesystem::path& file);
  static ImplantCatalogue from_json(const nlohmann::json& doc);

  const std::vector<ImplantDesign>& designs() const { return designs_; }
  const ImplantDesign* find(std::string_view id) const;

 private:
  std::vector<ImplantDesign> designs_;
};

// Where the source tree's catalogue lives (compiled in); --catalogue overrides it.
std::filesystem::path default_catalogue_path();

}  // namespace osteon::phantom
