#pragma once
// The LibTorch backend, behind a torch-free header: implemented in src/inference/torch, the only
// code of Osteon that includes LibTorch. Link osteon_inference_torch to use it.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "osteon/inference/model.hpp"
#include "osteon/inference/settings.hpp"

namespace osteon::inference {

struct TorchRuntimeInfo {
  std::string torch_version;  // "1.13.0", "2.5.1", ...
  bool cuda_available = false;
  int cuda_devices = 0;
  bool cudnn_available = false;
  int intra_op_threads = 0;
  std::string device;  // what DeviceChoice resolves to: "cpu" or "cuda:0"
};

/// Applies the process-wide settings once (intra-op threads, cuDNN benchmark mode) and resolves
/// the device: automatic -> CUDA when available; cuda without a GPU: Error(config_invalid).
TorchRuntimeInfo configure_torch(const InferenceSettings& settings);

/// Loads a TorchScript model for its manifest on the device chosen by settings: eval mode,
/// fp16 on CUDA when both settings and manifest allow it, channels-last on CUDA, warm-up runs
/// at the preferred batch sizes. A file LibTorch cannot load: Error(config_invalid).
std::shared_ptr<Model> load_torchscript_model(const Manifest& manifest, const InferenceSettings& settings);

/// A ModelLoader for Registry::load that calls configure_torch once, then loads each model.
ModelLoader torch_model_loader(const InferenceSettings& settings);

/// Device memory on CUDA device 0 (through the driver, whole device): nullopt without CUDA.
struct DeviceMemory {
  std::uint64_t used_bytes = 0, total_bytes = 0;
};
std::optional<DeviceMemory> cuda_device_memory();

} // namespace osteon::inference
