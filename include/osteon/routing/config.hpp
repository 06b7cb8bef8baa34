#pragma once
// [routing] of the node configuration (core/config_fail.hpp says how layers read their
// sections). Nothing in it needs checking beyond its type: it has no validator.
#include <filesystem>

#include "osteon/core/config_fail.hpp"

namespace osteon::routing {

struct RoutingConfig {
  std::filesystem::path profiles_dir;  // empty: the profiles built into the binary (dicom_profiles/)
  std::filesystem::path override_dir;  // local profiles replacing those of profiles_dir by file name; may be absent
};

void read_config(const TomlValue& section, RoutingConfig& into);

} // namespace osteon::routing
