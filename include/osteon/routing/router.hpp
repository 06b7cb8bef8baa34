#pragma once
// Routing: which profile (and so which pipeline) an instance goes to, and why. Pure logic.
#include <optional>
#include <string>
#include <vector>

#include "osteon/core/instance_attributes.hpp"
#include "osteon/routing/profile.hpp"

namespace osteon::routing {

struct RoutingInput {
  InstanceAttributes attributes;
  std::string calling_ae;
  std::string called_ae;
};

struct ProfileVerdict {
  std::string profile_id;
  bool matched = false;
  std::vector<std::string> reasons;  // each rule's outcome, in order
};

struct Decision {
  const Profile* profile = nullptr;  // null: no profile matched
  std::vector<ProfileVerdict> verdicts;
  /// One line: the chosen profile and why, or why none matched.
  std::string summary() const;
};

class Router {
 public:
  explicit Router(std::vector<Profile> profiles);
  Decision route(const RoutingInput& input) const;
  const std::vector<Profile>& profiles() const { return profiles_; }

 private:
  std::vector<Profile> profiles_;  // highest priority first
};

} // namespace osteon::routing
