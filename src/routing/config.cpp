#include "osteon/routing/config.hpp"

#include "osteon/core/toml_reader.hpp"

namespace osteon::routing {

void read_config(const TomlValue& section, RoutingConfig& into) {
  section.reject_unknown({"profiles_dir", "override_dir"}, "routing");
  section.read("profiles_dir", into.profiles_dir);
  section.read("override_dir", into.override_dir);
}

} // namespace osteon::routing
