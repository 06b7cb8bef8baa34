#pragma once
// [http] of the node configuration (core/config_fail.hpp says how layers read their sections):
// the admin console's HTTP server (admin/http.hpp's HttpSettings).
#include "osteon/admin/http.hpp"
#include "osteon/core/config_fail.hpp"

namespace osteon::admin {

void read_config(const TomlValue& section, HttpSettings& into);
void validate(const HttpSettings& config, const ConfigFail& bad);

} // namespace osteon::admin
