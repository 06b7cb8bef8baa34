// TorchScript models on LibTorch: the only file besides torch_runtime.cpp that includes torch.
// c10::Error (and the interpreter's std::runtime_error) are translated into osteon::Error here.
#include <torch/script.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"
#include "osteon/inference/torch_backend.hpp"
#include "torch_common.hpp"

namespace osteon::inference {

namespace {

torch::Tensor per_channel(const std::vector<float>& values, std::int64_t channels, const torch::Device& device) {
  std::vector<float> v(static_cast<std::size_t>(channels), values.front());
  if (values.size() == v.size()) v = values;
  return torch::tensor(v, torch::kFloat).reshape({1, channels, 1, 1}).to(device);
}

class TorchModel final : public Model {
 public:
  TorchModel(Manifest manifest, torch::jit::Module module, torch::Device device, Precision precision)
      : manifest_(std::move(manifest)), module_(std::move(module)), device_(device), precision_(precision) {
    const auto& n = manifest_.input.normalisation;
    const auto c = manifest_.input.channels;
    if (n.kind == Normalisation::Kind::mean_std) {
      shift_ = per_channel(n.mean, c, device_);
      multiplier_ = 1.0 / per_channel(n.std, c, device_);
    }
  }

  const Manifest& manifest() const override { return manifest_; }
  std::string device() const override { return device_.str(); }
  Precision precision() const override { return precision_; }

  Tensors run(const Tensors& batch) override {
    const std::int64_t n = check_batch(batch);
    try {
      c10::InferenceMode guard;
      std::vector<torch::jit::IValue> args;
      args.reserve(batch.size());
      for (std::size_t i = 0; i < batch.size(); ++i) args.emplace_back(prepare(batch[i], i == 0));
      const torch::jit::IValue result = module_.forward(args);
      return collect(result, n);
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw torch_error(e, "model " + manifest_.name);
    }
  }

  /// Runs zeros at the preferred batch sizes so that the first request is not the slow one.
  void warm_up() {
    const auto start = std::chrono::steady_clock::now();
    std::vector<int> sizes = manifest_.preferred_batch_sizes;
    int rounds = 2;  // CUDA: cuDNN benchmark mode tunes each shape on its first run
    if (device_.is_cpu()) {
      sizes = {sizes.front()};
      rounds = 1;
    }
    for (const int size : sizes) {
      Tensors inputs;
      for (const Shape& item : manifest_.input_shapes()) {
        Shape shape{size};
        shape.insert(shape.end(), item.begin(), item.end());
        inputs.emplace_back(std::move(shape));
      }
      for (int r = 0; r < rounds; ++r) (void)run(inputs);
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    log::info("inference.warm_up", {{"model", manifest_.name}, {"device", device()}, {"batch_sizes", fmt::format("{}", fmt::join(sizes, ","))},
                                    {"ms", static_cast<std::int64_t>(ms)}});
  }

 private:
  std::int64_t check_batch(const Tensors& batch) const {
    const auto shapes = manifest_.input_shapes();
    if (batch.size() != shapes.size())
      throw Error(Errc::invalid_argument, fmt::format("model {}: takes {} input(s), got {}", manifest_.name, shapes.size(), batch.size()));
    const std::int64_t n = batch[0].shape().empty() ? 0 : batch[0].shape().front();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Shape expected{n};
      expected.insert(expected.end(), shapes[i].begin(), shapes[i].end());
      if (n < 1 || batch[i].shape() != expected)
        throw Error(Errc::invalid_argument, fmt::format("model {}: input {} has shape {}, expected [N, ...] = {} with N >= 1",
                                                        manifest_.name, i, to_string(batch[i].shape()), to_string(expected)));
    }
    return n;
  }

  /// Host tensor -> device tensor in the model's precision; the image is also normalised.
  torch::Tensor prepare(const Tensor& t, bool image) {
    const auto sizes = t.shape();
    torch::Tensor x;
    if (device_.is_cuda()) {
      // Pinned staging buffer (cached by LibTorch's host allocator) and an asynchronous copy.
      auto staging = torch::empty(sizes, torch::TensorOptions().dtype(torch::kFloat).pinned_memory(true));
      std::memcpy(staging.data_ptr<float>(), t.data().data(), t.size() * sizeof(float));
      x = staging.to(device_, /*non_blocking=*/true);
    } else {
      // Wraps the caller's buffer; every path below makes a new tensor before forward().
      x = torch::from_blob(const_cast<float*>(t.data().data()), sizes, torch::kFloat);
    }
    if (image) {
      const auto& norm = manifest_.input.normalisation;
      if (norm.kind == Normalisation::Kind::mean_std) x = (x - shift_) * multiplier_;
      else if (norm.kind == Normalisation::Kind::scale) x = x * norm.scale + norm.offset;
      else if (device_.is_cpu()) x = x.clone();
    } else if (device_.is_cpu()) {
      x = x.clone();
    }
    if (precision_ == Precision::fp16) x = x.to(torch::kHalf);
    if (image && device_.is_cuda()) x = x.contiguous(at::MemoryFormat::ChannelsLast);
    return x;
  }

  Tensors collect(const torch::jit::IValue& result, std::int64_t n) const {
    std::vector<torch::Tensor> outs;
    if (result.isTensor()) {
      outs.push_back(result.toTensor());
    } else if (result.isTuple()) {
      for (const auto& e : result.toTupleRef().elements()) {
        if (!e.isTensor()) throw Error(Errc::internal, "model " + manifest_.name + ": forward() returned a tuple holding a non-tensor");
        outs.push_back(e.toTensor());
      }
    } else if (result.isTensorList()) {
      for (const auto& t : result.toTensorVector()) outs.push_back(t);
    } else {
      throw Error(Errc::internal, "model " + manifest_.name + ": forward() must return a tensor, a tuple or a list of tensors, not " +
                                      result.tagKind());
    }
    Tensors out;
    out.reserve(outs.size());
    for (auto& t : outs) {
      auto host = t.to(torch::kCPU, torch::kFloat).contiguous();
      Shape shape(host.sizes().begin(), host.sizes().end());
      if (shape.empty() || shape.front() != n)
        throw Error(Errc::internal, fmt::format("model {}: an output has shape {} for a batch of {}", manifest_.name, to_string(shape), n));
      const float* p = host.data_ptr<float>();
      out.emplace_back(std::move(shape), std::vector<float>(p, p + host.numel()));
    }
    return out;
  }

  Manifest manifest_;
  torch::jit::Module module_;
  torch::Device device_;
  Precision precision_;
  torch::Tensor shift_, multiplier_;
};

} // namespace

std::shared_ptr<Model> load_torchscript_model(const Manifest& manifest, const InferenceSettings& settings) {
  const TorchRuntimeInfo runtime = configure_torch(settings);
  const torch::Device device(runtime.device);
  const Precision precision =
      device.is_cuda() && settings.allow_fp16 && manifest.allows(Precision::fp16) ? Precision::fp16 : Precision::fp32;
  const auto start = std::chrono::steady_clock::now();
  std::shared_ptr<TorchModel> model;
  try {
    torch::NoGradGuard no_grad;
    torch::jit::Module module = torch::jit::load(manifest.file_path().string(), device);
    module.eval();
    if (precision == Precision::fp16) module.to(torch::kHalf);
    if (device.is_cuda()) {
      for (auto p : module.parameters())
        if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
    }
    model = std::make_shared<TorchModel>(manifest, std::move(module), device, precision);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    const Error translated = torch_error(e, manifest.file_path().string() + " does not load as TorchScript");
    throw Error(translated.code() == Errc::out_of_resources ? Errc::out_of_resources : Errc::config_invalid, translated.what());
  }
  const auto load_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  log::info("inference.model_file_loaded", {{"model", manifest.name}, {"device", runtime.device}, {"precision", to_string(precision)},
                                            {"ms", static_cast<std::int64_t>(load_ms)}});
  if (settings.warm_up) {
    try {
      model->warm_up();
    } catch (const Error& e) {
      const std::string prefix = "model " + manifest.name + ": ";
      std::string what = e.what();
      if (what.starts_with(prefix)) what.erase(0, prefix.size());
      throw Error(e.code() == Errc::out_of_resources ? Errc::out_of_resources : Errc::config_invalid,
                  prefix + "warm-up failed: " + what);
    }
  }
  return model;
}

} // namespace osteon::inference
