#include "osteon/phantom/implant_catalogue.hpp"

#include <fstream>
#include <set>
#include <stdexcept>

#ifndef OSTEON_PHANTOM_CATALOGUE
#define OSTEON_PHANTOM_CATALOGUE "models/implant_catalogue.json"
#endif

namespace osteon::phantom {
namespace {

template <typename T>
T get(const nlohmann::json& j, const char* key, T fallback) {
  const auto it = j.find(key);
  return it == j.end() ? fallback : it->get<T>();
}

ImplantDesign parse_design(const nlohmann::json& j) {
  ImplantDesign d;
  d.id = j.at("id").get<std::string>();
  d.manufacturer = j.at("manufacturer").get<std::string>();
  d.model = j.at("model").get<std::string>();
  d.type = j.at("type").get<std::string>();
  const nlohmann::json empty = nlohmann::json::object();
  const auto& stem = j.contains("stem") ? j.at("stem") : empty;
  d.stem_length_mm = get(stem, "length_mm", 0.0);
  d.stem_proximal_width_mm = get(stem, "proximal_width_mm", 0.0);
  d.stem_distal_width_mm = get(stem, "distal_width_mm", 0.0);
  d.stem_shoulder_mm = get(stem, "shoulder_mm", 0.0);
  d.stem_curvature = get(stem, "curvature_mm", 0.0);
  d.collar = get(stem, "collar", false);
  d.fins = get(stem, "fins", 0);
  d.holes = get(stem, "holes", 0);
  d.tip = get(stem, "tip", std::string("round"));
  d.peg_length_mm = get(stem, "peg_length_mm", 0.0);
  const auto& neck = j.contains("neck") ? j.at("neck") : empty;
  d.neck_angle_deg = get(neck, "angle_deg", 130.0);
  d.neck_length_mm = get(neck, "length_mm", 30.0);
  d.head_diameter_mm = j.at("head").at("diameter_mm").get<double>();
  const auto& cup = j.contains("cup") ? j.at("cup") : empty;
  d.cup = get(cup, "type", std::string("none"));
  d.cup_diameter_mm = get(cup, "outer_diameter_mm", 0.0);
  d.cup_wall_mm = get(cup, "wall_mm", 0.0);
  d.cup_screw_holes = get(cup, "screw_holes", 0);
  static const std::set<std::string> types{"total_hip", "bipolar_hemi", "resurfacing"};
  static const std::set<std::string> cups{"hemispherical", "flanged", "dual_mobility", "none"};
  if (!types.count(d.type)) throw std::invalid_argument("design " + d.id + ": unknown type " + d.type);
  if (!cups.count(d.cup)) throw std::invalid_argument("design " + d.id + ": unknown cup " + d.cup);
  if (d.head_diameter_mm <= 0) throw std::invalid_argument("design " + d.id + ": head diameter");
  return d;
}

}  // namespace

ImplantCatalogue ImplantCatalogue::from_json(const nlohmann::json& doc) {
  ImplantCatalogue catalogue;
  std::set<std::string> ids;
  for (const auto& j : doc.at("designs")) {
    catalogue.designs_.push_back(parse_design(j));
    if (!ids.insert(catalogue.designs_.back().id).second)
      throw std::invalid_argument("duplicate design id " + catalogue.designs_.back().id);
  }
  if (catalogue.designs_.empty()) throw std::invalid_argument("no designs");
  return catalogue;
}

ImplantCatalogue ImplantCatalogue::load(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot open implant catalogue " + file.string());
  try {
    return from_json(nlohmann::json::parse(in));
  } catch (const std::exception& e) {
    throw std::runtime_error("bad implant catalogue " + file.string() + ": " + e.what());
  }
}

const ImplantDesign* ImplantCatalogue::find(std::string_view id) const {
  for (const auto& d : designs_) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

std::filesystem::path default_catalogue_path() { return OSTEON_PHANTOM_CATALOGUE; }

}  // namespace osteon::phantom
