#include "osteon/routing/router.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace osteon::routing {

namespace {

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string joined(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& s : list) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// A listed rule: passes when the list is empty or holds the value. `empty_passes`: an image
// without the attribute is not held against it.
bool rule(std::vector<std::string>& reasons, const char* name, const std::vector<std::string>& list,
          const std::string& value, bool empty_passes) {
  if (list.empty()) return true;
  if (contains(list, value)) {
    reasons.push_back(fmt::format("{} '{}' ok", name, value));
    return true;
  }
  if (value.empty() && empty_passes) {
    reasons.push_back(fmt::format("{} empty, accepted", name));
    return true;
  }
  reasons.push_back(fmt::format("{} '{}' not in [{}]", name, value, joined(list)));
  return false;
}

bool anatomy(std::vector<std::string>& reasons, const MatchRules& m, const InstanceAttributes& a) {
  const std::string body = normalise(a.body_part);
  if (!body.empty() && contains(m.body_part, body)) {
    reasons.push_back(fmt::format("body part '{}' ok", body));
    return true;
  }
  if (!body.empty() && !m.body_part.empty()) {
    reasons.push_back(fmt::format("body part '{}' not in [{}]", body, joined(m.body_part)));
    return false;
  }
  // Body Part Examined empty (or the profile lists none): descriptions decide.
  const std::pair<const char*, const std::string*> texts[] = {{"study description", &a.study_description},
                                                              {"series description", &a.series_description},
                                                              {"protocol name", &a.protocol_name}};
  for (const auto& [label, text] : texts) {
    for (const auto& p : m.description) {
      if (!text->empty() && std::regex_search(*text, p.regex)) {
        reasons.push_back(fmt::format("body part empty; {} '{}' matches /{}/", label, *text, p.text));
        return true;
      }
    }
  }
  reasons.push_back(body.empty() ? "body part empty and no description matches"
                                 : fmt::format("no description matches (body part '{}')", body));
  return false;
}

} // namespace

Router::Router(std::vector<Profile> profiles) { replace(std::move(profiles)); }

void Router::replace(std::vector<Profile> profiles) {
  std::stable_sort(profiles.begin(), profiles.end(),
                   [](const Profile& a, const Profile& b) { return a.priority > b.priority; });
  auto next = std::make_shared<const std::vector<Profile>>(std::move(profiles));
  const std::lock_guard guard(mutex_);
  profiles_ = std::move(next);
}

std::shared_ptr<const std::vector<Profile>> Router::profiles() const {
  const std::lock_guard guard(mutex_);
  return profiles_;
}

Decision Router::route(const RoutingInput& in) const {
  Decision d;
  d.snapshot = profiles();
  const auto& a = in.attributes;
  for (const auto& p : *d.snapshot) {
    ProfileVerdict v;
    v.profile_id = p.id;
    const auto& m = p.match;
    v.matched = rule(v.reasons, "modality", m.modality, normalise(a.modality), false) &&
                rule(v.reasons, "SOP class", m.sop_class, a.sop_class_uid, false) &&
                rule(v.reasons, "calling AE", m.calling_ae, in.calling_ae, false) &&
                rule(v.reasons, "called AE", m.called_ae, in.called_ae, false) && anatomy(v.reasons, m, a) &&
                rule(v.reasons, "view position", m.view_position, normalise(a.view_position), true) &&
                rule(v.reasons, "laterality", m.laterality, normalise(a.laterality), true);
    if (v.matched && !d.profile) d.profile = &p;
    d.verdicts.push_back(std::move(v));
  }
  return d;
}

std::string Decision::summary() const {
  if (profile) {
    for (const auto& v : verdicts) {
      if (v.profile_id == profile->id) {
        return fmt::format("profile {} (pipeline {}): {}", profile->id, profile->pipeline, joined(v.reasons));
      }
    }
  }
  if (verdicts.empty()) return "no profiles configured";
  std::string out = "no profile matched:";
  for (const auto& v : verdicts) out += fmt::format(" {}: {};", v.profile_id, v.reasons.empty() ? "-" : v.reasons.back());
  out.pop_back();
  return out;
}

} // namespace osteon::routing
