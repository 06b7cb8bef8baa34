#pragma once
// Routing: which profile (and so which pipeline) an instance goes to, and why. Pure logic.
#include <memory>
#include <mutex>
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
  const Profile* profile = nullptr;  // null: no profile matched; points into `snapshot`
  std::shared_ptr<const std::vector<Profile>> snapshot;  // the profiles routed by, kept while the decision lives
  std::vector<ProfileVerdict> verdicts;
  /// One line: the chosen profile and why, or why none matched.
  std::string summary() const;
};

// Thread-safe: a reload (SIGHUP) replaces the whole set at once; routing and jobs in progress
// finish on the set they started with.
class Router {
 public:
  explicit Router(std::vector<Profile> profiles);
  Decision route(const RoutingInput& input) const;
  /// The profiles in force, highest priority first.
  std::shared_ptr<const std::vector<Profile>> profiles() const;
  /// Puts another set in force (re-read profiles).
  void replace(std::vector<Profile> profiles);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const std::vector<Profile>> profiles_;  // highest priority first
};

} // namespace osteon::routing
