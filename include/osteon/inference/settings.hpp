#pragma once
// Settings of the inference runtime. The app layer fills them from the node configuration;
// tests and osteon-bench fill them directly.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace osteon::inference {

enum class DeviceChoice {
  automatic,  // CUDA when LibTorch sees a GPU, else CPU
  cpu,
  cuda,       // CUDA or a start-up error (Error(config_invalid))
};
/// "auto" | "cpu" | "cuda"; anything else: Error(config_invalid).
DeviceChoice parse_device_choice(std::string_view text);
std::string to_string(DeviceChoice choice);

/// Dynamic batching of one model's queue (Triton's dynamic batcher): the worker takes a batch
/// as soon as max_batch_size requests wait, or when the oldest has waited max_queue_delay.
struct BatchPolicy {
  int max_batch_size = 0;  // 0: the largest preferred batch size of the manifest
  std::chrono::microseconds max_queue_delay{2000};
  std::size_t max_queue_size = 256;  // waiting requests; beyond it submit() pushes back
};

struct InferenceSettings {
  std::filesystem::path models_dir = "models";
  DeviceChoice device = DeviceChoice::automatic;
  int intra_op_threads = 0;  // 0: LibTorch's default (one per physical core)
  bool allow_fp16 = true;    // fp16 on CUDA when the manifest also allows it; never on CPU
  bool warm_up = true;       // run each preferred batch size once at load
  BatchPolicy default_batching;
  std::map<std::string, BatchPolicy, std::less<>> batching;  // per model name
  std::vector<std::string> allow_missing;  // models the node may run without
  std::vector<std::string> required;       // models that must exist (or be allowed missing)
  std::vector<std::string> load_only;      // non-empty: load only these model directories

  /// The policy for a model: its own entry or the default.
  BatchPolicy batching_for(std::string_view model) const;
  bool may_be_missing(std::string_view model) const;
};

} // namespace osteon::inference
