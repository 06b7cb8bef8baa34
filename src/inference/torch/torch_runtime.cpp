// Process-wide LibTorch settings, the model loader factory, error translation, CUDA memory.
#include <dlfcn.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <c10/util/Exception.h>

#include <cstddef>
#include <mutex>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "osteon/core/log.hpp"
#include "osteon/inference/torch_backend.hpp"
#include "torch_common.hpp"

namespace osteon::inference {

namespace {

std::string compact(std::string_view text) {
  // TorchScript interpreter errors end with the Python-level exception ("builtins.ValueError: x");
  // the lines before are the TorchScript traceback. Keep the last line then, else all lines joined.
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto nl = text.find('\n', pos);
    auto line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
    if (!line.empty()) lines.push_back(line);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  std::string out;
  if (text.find("Traceback of TorchScript") != std::string_view::npos && !lines.empty()) {
    out = lines.back();
  } else {
    for (const auto line : lines) {
      if (!out.empty()) out += " | ";
      out += line;
    }
  }
  if (out.size() > 600) out = out.substr(0, 600) + "...";
  return out;
}

} // namespace

Error torch_error(const std::exception& e, const std::string& context) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
  const std::string message = compact(c10_error ? c10_error->what_without_backtrace() : e.what());
  const bool oom = dynamic_cast<const c10::OutOfMemoryError*>(&e) != nullptr || message.find("out of memory") != std::string::npos;
  return Error(oom ? Errc::out_of_resources : Errc::internal, context + ": " + message);
}

TorchRuntimeInfo configure_torch(const InferenceSettings& settings) {
  static std::mutex mutex;
  static bool logged = false;
  std::lock_guard lock(mutex);
  TorchRuntimeInfo info;
  info.torch_version = fmt::format("{}.{}.{}", TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR, TORCH_VERSION_PATCH);
  info.cuda_available = torch::cuda::is_available();
  info.cuda_devices = static_cast<int>(torch::cuda::device_count());
  info.cudnn_available = torch::cuda::cudnn_is_available();
  if (settings.intra_op_threads < 0) throw Error(Errc::config_invalid, "inference intra_op_threads must not be negative");
  if (settings.intra_op_threads > 0 && at::get_num_threads() != settings.intra_op_threads) at::set_num_threads(settings.intra_op_threads);
  info.intra_op_threads = at::get_num_threads();
  switch (settings.device) {
    case DeviceChoice::cpu: info.device = "cpu"; break;
    case DeviceChoice::automatic: info.device = info.cuda_available ? "cuda:0" : "cpu"; break;
    case DeviceChoice::cuda:
      if (!info.cuda_available)
        throw Error(Errc::config_invalid, "inference device is cuda but LibTorch " + info.torch_version + " sees no CUDA device");
      info.device = "cuda:0";
      break;
  }
  if (info.device != "cpu" && info.cudnn_available) at::globalContext().setBenchmarkCuDNN(true);
  if (!logged) {
    logged = true;
    log::info("inference.runtime", {{"torch", info.torch_version},
                                    {"device", info.device},
                                    {"requested", to_string(settings.device)},
                                    {"cuda_devices", info.cuda_devices},
                                    {"cudnn", info.cudnn_available},
                                    {"intra_op_threads", info.intra_op_threads}});
  }
  return info;
}

ModelLoader torch_model_loader(const InferenceSettings& settings) {
  configure_torch(settings);  // a bad device choice fails here, before any model
  return [settings](const Manifest& manifest) { return load_torchscript_model(manifest, settings); };
}

std::optional<DeviceMemory> cuda_device_memory() {
  if (!torch::cuda::is_available()) return std::nullopt;
  // The CUDA driver API through dlopen: no CUDA headers are needed at build time. The primary
  // context is the one LibTorch's runtime uses; it is pushed only for the query.
  using CuInit = int (*)(unsigned);
  using CuDeviceGet = int (*)(int*, int);
  using CuRetain = int (*)(void**, int);
  using CuRelease = int (*)(int);
  using CuPush = int (*)(void*);
  using CuPop = int (*)(void**);
  using CuMemGetInfo = int (*)(std::size_t*, std::size_t*);
  static void* const driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!driver) return std::nullopt;
  const auto sym = [](const char* name) { return dlsym(driver, name); };
  const auto init = reinterpret_cast<CuInit>(sym("cuInit"));
  const auto device_get = reinterpret_cast<CuDeviceGet>(sym("cuDeviceGet"));
  const auto retain = reinterpret_cast<CuRetain>(sym("cuDevicePrimaryCtxRetain"));
  const auto release = reinterpret_cast<CuRelease>(sym("cuDevicePrimaryCtxRelease_v2"));
  const auto push = reinterpret_cast<CuPush>(sym("cuCtxPushCurrent_v2"));
  const auto pop = reinterpret_cast<CuPop>(sym("cuCtxPopCurrent_v2"));
  const auto mem_get_info = reinterpret_cast<CuMemGetInfo>(sym("cuMemGetInfo_v2"));
  if (!init || !device_get || !retain || !release || !push || !pop || !mem_get_info) return std::nullopt;
  int device = 0;
  void* context = nullptr;
  if (init(0) != 0 || device_get(&device, 0) != 0 || retain(&context, device) != 0) return std::nullopt;
  std::optional<DeviceMemory> result;
  if (push(context) == 0) {
    std::size_t free_bytes = 0, total_bytes = 0;
    if (mem_get_info(&free_bytes, &total_bytes) == 0) result = DeviceMemory{total_bytes - free_bytes, total_bytes};
    void* popped = nullptr;
    pop(&popped);
  }
  release(device);
  return result;
}

} // namespace osteon::inference
