#pragma once
// The inference layer's own tensor: a shape and contiguous row-major float32 data. It is what
// pipelines hand to the runtime and what they get back; no header outside src/inference/torch
// sees a torch::Tensor. Precision on the device (fp32 or fp16) is the backend's business: data
// crossing this interface is always float32.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace osteon::inference {

using Shape = std::vector<std::int64_t>;

/// "[1, 256, 256]"
std::string to_string(const Shape& shape);
/// Product of the dimensions (1 for a scalar shape []); throws Error(invalid_argument) on a
/// negative dimension.
std::size_t element_count(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;
  /// Zero-filled tensor of this shape.
  explicit Tensor(Shape shape);
  /// Throws Error(invalid_argument) when data.size() does not match the shape.
  Tensor(Shape shape, std::vector<float> data);

  const Shape& shape() const noexcept { return shape_; }
  std::size_t size() const noexcept { return data_.size(); }
  std::span<const float> data() const noexcept { return data_; }
  std::span<float> data() noexcept { return data_; }
  std::vector<float>& values() noexcept { return data_; }
  const std::vector<float>& values() const noexcept { return data_; }

 private:
  Shape shape_;
  std::vector<float> data_;
};

/// Stacks equally shaped tensors along a new first dimension: n × [d...] -> [n, d...].
/// Throws Error(invalid_argument) on an empty list or differing shapes.
Tensor stack(const std::vector<const Tensor*>& items);
/// The i-th slice along the first dimension: [n, d...] -> [d...].
Tensor slice(const Tensor& batch, std::size_t index);

} // namespace osteon::inference
