#include "osteon/inference/tensor.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "osteon/core/error.hpp"

namespace osteon::inference {

std::string to_string(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

std::size_t element_count(const Shape& shape) {
  std::size_t n = 1;
  for (const auto d : shape) {
    if (d < 0) throw Error(Errc::invalid_argument, "tensor shape " + to_string(shape) + " has a negative dimension");
    n *= static_cast<std::size_t>(d);
  }
  return n;
}

Tensor::Tensor(Shape shape) : shape_(std::move(shape)), data_(element_count(shape_), 0.0f) {}

Tensor::Tensor(Shape shape, std::vector<float> data) : shape_(std::move(shape)), data_(std::move(data)) {
  if (data_.size() != element_count(shape_))
    throw Error(Errc::invalid_argument,
                fmt::format("tensor of shape {} needs {} values, got {}", to_string(shape_), element_count(shape_), data_.size()));
}

Tensor stack(const std::vector<const Tensor*>& items) {
  if (items.empty()) throw Error(Errc::invalid_argument, "cannot stack an empty list of tensors");
  const Shape& item_shape = items.front()->shape();
  Shape shape{static_cast<std::int64_t>(items.size())};
  shape.insert(shape.end(), item_shape.begin(), item_shape.end());
  std::vector<float> data;
  data.reserve(element_count(shape));
  for (const Tensor* t : items) {
    if (t->shape() != item_shape)
      throw Error(Errc::invalid_argument,
                  "cannot stack tensors of shapes " + to_string(item_shape) + " and " + to_string(t->shape()));
    data.insert(data.end(), t->values().begin(), t->values().end());
  }
  return Tensor(std::move(shape), std::move(data));
}

Tensor slice(const Tensor& batch, std::size_t index) {
  const Shape& shape = batch.shape();
  if (shape.empty() || index >= static_cast<std::size_t>(shape.front()))
    throw Error(Errc::invalid_argument, fmt::format("slice {} out of range for a tensor of shape {}", index, to_string(shape)));
  Shape item(shape.begin() + 1, shape.end());
  const std::size_t n = element_count(item);
  const auto first = batch.values().begin() + static_cast<std::ptrdiff_t>(index * n);
  return Tensor(std::move(item), std::vector<float>(first, first + static_cast<std::ptrdiff_t>(n)));
}

} // namespace osteon::inference
