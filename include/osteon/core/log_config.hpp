#pragma once
// [log] of the node configuration (core/config_fail.hpp says how layers read their sections).
#include <string>

#include "osteon/core/config_fail.hpp"

namespace osteon::log {

struct LogConfig {
  std::string level = "info";  // debug, info, warn, error
};

void read_config(const TomlValue& section, LogConfig& into);
void validate(const LogConfig& config, const ConfigFail& bad);

} // namespace osteon::log
