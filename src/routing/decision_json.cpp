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

nlohmann::json profile_json(const Profile& p) {
  nlohmann::json patterns = nlohmann::json::array();
  for (const auto& d : p.match.description) patterns.push_back(d.text);
  const auto& m = p.match;
  nlohmann::json parameters(p.numbers);
  for (const auto& [k, v] : p.texts) parameters[k] = v;
  return {{"id", p.id},
          {"pipeline", p.pipeline},
          {"priority", p.priority},
          {"description", p.description},
          {"match",
           {{"modality", m.modality}, {"sop_class", m.sop_class}, {"body_part", m.body_part}, {"description", patterns},
            {"view_position", m.view_position}, {"laterality", m.laterality}, {"calling_ae", m.calling_ae},
            {"called_ae", m.called_ae}}},
          {"parameters", parameters},
          {"destinations", p.destinations},
          {"sr_class", p.sr_class},
          {"objects", p.objects},
          {"objects_for", p.objects_for},
          {"source", p.source}};
}

} // namespace osteon::routing
