#pragma once
// A torch-free Model for the scheduler and registry tests: output "sum" [1] = k * sum(image),
// optionally held at a gate (to fill queues deterministically) or failing on a poisoned input.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <vector>

#include "osteon/inference/model.hpp"

namespace osteon::inference::test {

/// image [channels, 2, 2] -> sum [1]; preferred batch sizes {1, 4}.
Manifest fake_manifest(const std::string& name, std::int64_t channels = 1);

class FakeModel : public Model {
 public:
  explicit FakeModel(Manifest manifest, float k = 1.0f) : manifest_(std::move(manifest)), k_(k) {}
  const Manifest& manifest() const override { return manifest_; }
  std::string device() const override { return "fake"; }
  Precision precision() const override { return Precision::fp32; }
  Tensors run(const Tensors& batch) override;

  /// While closed, run() waits (the worker holds its batch and the queue fills up).
  void close_gate();
  void open_gate();
  /// run() has been entered and is waiting at the closed gate.
  bool waiting_at_gate() const { return waiting_ > 0; }
  /// A batch holding an image whose first value is `poison` throws Error(internal).
  void poison(float value) { poison_ = value; }
  /// Output shape override, to test the registry's shape check.
  void output_shape(Shape shape) { output_shape_ = std::move(shape); }
  std::vector<std::size_t> batch_sizes() const;

 private:
  Manifest manifest_;
  float k_;
  mutable std::mutex mutex_;
  std::condition_variable gate_cv_;
  bool gate_closed_ = false;
  std::atomic<int> waiting_{0};
  std::optional<float> poison_;
  Shape output_shape_{1};
  std::vector<std::size_t> batch_sizes_;
};

} // namespace osteon::inference::test
