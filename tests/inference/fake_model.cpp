#include "fake_model.hpp"

#include <numeric>

#include "osteon/core/error.hpp"

namespace osteon::inference::test {

Manifest fake_manifest(const std::string& name, std::int64_t channels) {
  Manifest m;
  m.name = name;
  m.version = "1";
  m.task = "regression";
  m.file = "model.pt";
  m.sha256 = std::string(64, '0');
  m.input.channels = channels;
  m.input.height = 2;
  m.input.width = 2;
  m.outputs.push_back({"sum", {1}, "k * sum of the image", {}});
  m.preferred_batch_sizes = {1, 4};
  m.model_card = "MODEL_CARD.md";
  m.training_data = "none";
  m.domain_check.none = true;
  return m;
}

Tensors FakeModel::run(const Tensors& batch) {
  {
    std::unique_lock lock(mutex_);
    ++waiting_;
    gate_cv_.wait(lock, [&] { return !gate_closed_; });
    --waiting_;
    batch_sizes_.push_back(static_cast<std::size_t>(batch.at(0).shape().at(0)));
  }
  const Tensor& images = batch.at(0);
  const auto n = static_cast<std::size_t>(images.shape().at(0));
  const std::size_t per_item = images.size() / n;
  std::vector<float> sums;
  for (std::size_t i = 0; i < n; ++i) {
    const auto first = images.values().begin() + static_cast<std::ptrdiff_t>(i * per_item);
    if (poison_ && *first == *poison_) throw Error(Errc::internal, "fake model: poisoned input");
    sums.push_back(k_ * std::accumulate(first, first + static_cast<std::ptrdiff_t>(per_item), 0.0f));
  }
  Shape shape{static_cast<std::int64_t>(n)};
  shape.insert(shape.end(), output_shape_.begin(), output_shape_.end());
  std::vector<float> data(element_count(shape), 0.0f);
  for (std::size_t i = 0; i < n && output_shape_ == Shape{1}; ++i) data[i] = sums[i];
  Tensors out;
  out.emplace_back(std::move(shape), std::move(data));
  return out;
}

void FakeModel::close_gate() {
  std::lock_guard lock(mutex_);
  gate_closed_ = true;
}

void FakeModel::open_gate() {
  {
    std::lock_guard lock(mutex_);
    gate_closed_ = false;
  }
  gate_cv_.notify_all();
}

std::vector<std::size_t> FakeModel::batch_sizes() const {
  std::lock_guard lock(mutex_);
  return batch_sizes_;
}

} // namespace osteon::inference::test
