#include "osteon/routing/decision_json.hpp"

#include <nlohmann/json.hpp>

namespace osteon::routing {

nlohmann::json decision_json(const Decision& d) {
  nlohmann::json out;
  out["profile"] = d.profile ? nlohmann::json(d.profile->id) : nlohmann::json(nullptr);
  out["pipeline"] = d.profile ? nlohmann::json(d.profile->pipeline) : nlohmann::json(nullptr);
  out["summary"] = d.summary();
  out["profiles"] = nlohmann::json::array();
  for (const auto& v : d.verdicts) out["profiles"].push_back({{"id", v.profile_id}, {"matched", v.matched}, {"reasons", v.reasons}});
  return out;
}

} // namespace osteon::routing
