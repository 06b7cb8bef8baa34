#include "osteon/core/log_config.hpp"

#include <set>

#include "osteon/core/toml_reader.hpp"

namespace osteon::log {

void read_config(const TomlValue& section, LogConfig& into) {
  section.reject_unknown({"level"}, "log");
  section.read("level", into.level);
}

void validate(const LogConfig& config, const ConfigFail& bad) {
  static const std::set<std::string> levels{"debug", "info", "warn", "error"};
  if (!levels.contains(config.level)) bad("log.level must be debug, info, warn or error");
}

} // namespace osteon::log
