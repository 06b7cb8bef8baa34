#include "osteon/inference/config.hpp"

#include "osteon/core/toml_reader.hpp"

namespace osteon::inference {

void read_config(const TomlValue& section, InferenceConfig& into) {
  section.reject_unknown({"models_dir", "device", "threads", "pipeline_concurrency", "allow_missing"}, "inference");
  section.read("models_dir", into.models_dir);
  section.read("device", into.device);
  section.read("threads", into.threads);
  section.read("pipeline_concurrency", into.pipeline_concurrency);
  section.read("allow_missing", into.allow_missing);
}

void validate(const InferenceConfig& config, const ConfigFail& bad) {
  if (config.device != "auto" && config.device != "cpu" && config.device != "cuda")
    bad("inference.device must be auto, cpu or cuda");
  if (config.threads < 0) bad("inference.threads must not be negative");
  if (config.pipeline_concurrency < 1 || config.pipeline_concurrency > 64)
    bad("inference.pipeline_concurrency must be 1 to 64");
}

} // namespace osteon::inference
