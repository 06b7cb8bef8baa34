#pragma once
// A loaded model: runs one batch at a time. The scheduler is its only caller in the node and
// calls run() from one thread per model; implementations need not be re-entrant.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "osteon/inference/manifest.hpp"
#include "osteon/inference/tensor.hpp"

namespace osteon::inference {

/// Inputs of one call in forward() order: the image, then each extra input.
/// Batched: [N, C, H, W] and [N, extra...]; one request: [C, H, W] and [extra...].
using Tensors = std::vector<Tensor>;

class Model {
 public:
  virtual ~Model() = default;
  virtual const Manifest& manifest() const = 0;
  const std::string& name() const { return manifest().name; }
  /// "cpu", "cuda:0", ...
  virtual std::string device() const = 0;
  virtual Precision precision() const = 0;
  /// Runs a batch: inputs batched as in Tensors, returns one tensor per manifest output, each
  /// [N, shape...]. Wrong input shapes: Error(invalid_argument); a failure inside the network:
  /// Error(internal), or Error(out_of_resources) when the device ran out of memory.
  virtual Tensors run(const Tensors& batch) = 0;
};

/// Creates a model from its (already verified) manifest. The registry takes one so that the
/// torch-free layers never link LibTorch; torch_backend.hpp has the real one.
using ModelLoader = std::function<std::shared_ptr<Model>(const Manifest&)>;

} // namespace osteon::inference
