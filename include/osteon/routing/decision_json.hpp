#pragma once
// A routing decision as JSON (osteonctl route --json, POST /api/v1/route): the chosen profile
// and pipeline (null when none), the one-line summary and each profile's verdict with its reasons.
#include <nlohmann/json_fwd.hpp>

#include "osteon/routing/router.hpp"

namespace osteon::routing {

nlohmann::json decision_json(const Decision& decision);

} // namespace osteon::routing
