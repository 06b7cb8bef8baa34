#pragma once
// A routing decision as JSON (osteonctl route --json, POST /api/v1/route): the chosen profile
// and pipeline (null when none), the one-line summary and each profile's verdict with its reasons.
// And a profile as JSON (GET /api/v1/routing/profiles): what it matches, its parameters, where
// its results go.
#include <nlohmann/json_fwd.hpp>

#include "osteon/routing/router.hpp"

namespace osteon::routing {

nlohmann::json decision_json(const Decision& decision);
nlohmann::json profile_json(const Profile& profile);

} // namespace osteon::routing
