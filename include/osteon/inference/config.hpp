#pragma once
// [inference] of the node configuration, as written there (core/config_fail.hpp says how layers
// read their sections). The app turns it into the runtime's InferenceSettings (settings.hpp).
#include <filesystem>
#include <string>
#include <vector>

#include "osteon/core/config_fail.hpp"

namespace osteon::inference {

struct InferenceConfig {
  std::filesystem::path models_dir = "models";  // relative to the working directory
  std::string device = "auto";                  // auto (CUDA when present), cpu, cuda
  int threads = 0;                              // intra-op threads; 0: LibTorch's default
  int pipeline_concurrency = 1;                 // images analysed at once per pipeline
  std::vector<std::string> allow_missing;       // models the node may start without
};

void read_config(const TomlValue& section, InferenceConfig& into);
void validate(const InferenceConfig& config, const ConfigFail& bad);

} // namespace osteon::inference
