#include "osteon/routing/config.hpp"

#include "osteon/core/toml_reader.hpp"

namespace osteon::routing {

void read_config(const TomlValue& section, RoutingConfig& into) {
  section.reject_unknown({"profiles_dir"}, "routing");
  section.read("profiles_dir", into.profiles_dir);
}

} // namespace osteon::routing
