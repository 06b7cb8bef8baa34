#pragma once
// Files embedded into the binary at build time (cmake/EmbedFiles.cmake).
#include <string>
#include <vector>

namespace osteon::embedded {

struct File {
  std::string name;
  std::string bytes;
};

/// db/*.sql, sorted by name.
const std::vector<File>& sql_migrations();
/// osteon.toml from the repository root.
const std::vector<File>& default_config();
/// dicom_profiles/*.toml, sorted by name.
const std::vector<File>& routing_profiles();
/// web/*.{html,js,css,json}: the admin console, sorted by name.
const std::vector<File>& web_assets();

} // namespace osteon::embedded
