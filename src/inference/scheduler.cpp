#include "osteon/inference/scheduler.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"
#include "osteon/core/metrics.hpp"

namespace osteon::inference {

using Clock = std::chrono::steady_clock;

class Scheduler::Queue {
 public:
  Queue(std::shared_ptr<Model> model, BatchPolicy policy)
      : model_(std::move(model)), policy_(policy), input_shapes_(model_->manifest().input_shapes()) {
    const auto& preferred = model_->manifest().preferred_batch_sizes;
    max_batch_ = static_cast<std::size_t>(policy_.max_batch_size > 0 ? policy_.max_batch_size
                                                                      : (preferred.empty() ? 1 : preferred.back()));
    if (policy_.max_queue_size == 0) throw Error(Errc::config_invalid, "model " + name() + ": max_queue_size must be positive");
    stats_.max_batch_size = max_batch_;
    worker_ = std::thread([this] { work(); });
    log::info("inference.queue_started", {{"model", name()},
                                          {"max_batch", max_batch_},
                                          {"max_queue_delay_us", static_cast<std::int64_t>(policy_.max_queue_delay.count())},
                                          {"max_queue", policy_.max_queue_size}});
  }

  ~Queue() { stop(); }

  const std::string& name() const { return model_->name(); }

  std::future<Tensors> submit(Tensors inputs, std::chrono::microseconds wait_for_space) {
    check_inputs(inputs);
    Request request{std::move(inputs), {}, {}};
    auto future = request.promise.get_future();
    {
      std::unique_lock lock(mutex_);
      auto has_room = [&] { return stopping_ || queue_.size() < policy_.max_queue_size; };
      if (!has_room() && wait_for_space.count() > 0) space_cv_.wait_for(lock, wait_for_space, has_room);
      if (stopping_) throw Error(Errc::out_of_resources, "model " + name() + ": the inference scheduler is shutting down");
      if (!has_room()) {
        ++stats_.rejected;
        throw Error(Errc::out_of_resources,
                    fmt::format("model {}: inference queue full ({} requests waiting)", name(), queue_.size()));
      }
      request.enqueued = Clock::now();
      queue_.push_back(std::move(request));
    }
    work_cv_.notify_one();
    return future;
  }

  QueueStats stats() const {
    std::lock_guard lock(mutex_);
    QueueStats s = stats_;
    s.queued = queue_.size();
    return s;
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    work_cv_.notify_all();
    space_cv_.notify_all();
    if (worker_.joinable()) worker_.join();
  }

 private:
  struct Request {
    Tensors inputs;
    std::promise<Tensors> promise;
    Clock::time_point enqueued;
  };

  void check_inputs(const Tensors& inputs) const {
    if (inputs.size() != input_shapes_.size())
      throw Error(Errc::invalid_argument,
                  fmt::format("model {}: takes {} input(s) per request, got {}", name(), input_shapes_.size(), inputs.size()));
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (inputs[i].shape() != input_shapes_[i])
        throw Error(Errc::invalid_argument, fmt::format("model {}: input {} has shape {}, the manifest declares {}", name(), i,
                                                        to_string(inputs[i].shape()), to_string(input_shapes_[i])));
    }
  }

  void work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      if (queue_.size() < max_batch_ && !stopping_) {
        const auto deadline = queue_.front().enqueued + policy_.max_queue_delay;
        work_cv_.wait_until(lock, deadline, [&] { return stopping_ || queue_.size() >= max_batch_; });
      }
      const std::size_t n = std::min(queue_.size(), max_batch_);
      std::vector<Request> batch;
      batch.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      lock.unlock();
      space_cv_.notify_all();
      std::vector<Outcome> outcomes;
      const std::uint64_t runs = execute(batch, outcomes);
      lock.lock();
      // Statistics first, so that they include a request once its future is ready.
      stats_.requests += batch.size();
      stats_.batches += runs;
      stats_.largest_batch = std::max(stats_.largest_batch, batch.size());
      for (const auto& o : outcomes) stats_.failed += o.error ? 1 : 0;
      lock.unlock();
      for (std::size_t i = 0; i < batch.size(); ++i) {
        if (outcomes[i].error) batch[i].promise.set_exception(outcomes[i].error);
        else batch[i].promise.set_value(std::move(outcomes[i].outputs));
      }
      lock.lock();
    }
  }

  struct Outcome {
    Tensors outputs;
    std::exception_ptr error;
  };

  /// Runs the batch, filling one outcome per request; returns the number of model runs.
  std::uint64_t execute(std::vector<Request>& batch, std::vector<Outcome>& outcomes) {
    outcomes.assign(batch.size(), {});
    std::uint64_t runs = 0;
    if (batch.size() > 1) {
      ++runs;
      try {
        auto results = run(batch);
        for (std::size_t i = 0; i < batch.size(); ++i) outcomes[i].outputs = std::move(results[i]);
        return runs;
      } catch (const std::exception& e) {
        // Find the culprit: every request again on its own.
        log::warn("inference.batch_failed", {{"model", name()}, {"batch", batch.size()}, {"reason", e.what()}});
      }
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      ++runs;
      std::vector<Request*> one{&batch[i]};
      try {
        outcomes[i].outputs = std::move(run_pointers(one).front());
      } catch (const Error&) {
        outcomes[i].error = std::current_exception();
      } catch (const std::exception& e) {
        outcomes[i].error = std::make_exception_ptr(Error(Errc::internal, "model " + name() + ": " + e.what()));
      }
    }
    return runs;
  }

  std::vector<Tensors> run(std::vector<Request>& batch) {
    std::vector<Request*> pointers;
    for (auto& r : batch) pointers.push_back(&r);
    return run_pointers(pointers);
  }

  /// Stacks the requests, runs the model, and splits its outputs per request.
  std::vector<Tensors> run_pointers(const std::vector<Request*>& requests) {
    Tensors stacked;
    for (std::size_t k = 0; k < input_shapes_.size(); ++k) {
      std::vector<const Tensor*> items;
      for (const Request* r : requests) items.push_back(&r->inputs[k]);
      stacked.push_back(stack(items));
    }
    const auto started = Clock::now();
    const Tensors outputs = model_->run(stacked);
    const metrics::Labels labels{{"model", name()}, {"device", model_->device()}};
    metrics::observe("osteon_inference_seconds", labels, std::chrono::duration<double>(Clock::now() - started).count());
    metrics::observe("osteon_inference_batch_size", labels, static_cast<double>(requests.size()));
    const auto n = static_cast<std::int64_t>(requests.size());
    for (const auto& out : outputs) {
      if (out.shape().empty() || out.shape().front() != n)
        throw Error(Errc::internal, fmt::format("model {}: output of shape {} for a batch of {}", name(), to_string(out.shape()), n));
    }
    std::vector<Tensors> results(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i)
      for (const auto& out : outputs) results[i].push_back(slice(out, i));
    return results;
  }

  std::shared_ptr<Model> model_;
  BatchPolicy policy_;
  std::vector<Shape> input_shapes_;
  std::size_t max_batch_ = 1;
  mutable std::mutex mutex_;
  std::condition_variable work_cv_, space_cv_;
  std::deque<Request> queue_;
  bool stopping_ = false;
  QueueStats stats_;
  std::thread worker_;
};

Scheduler::Scheduler() = default;

Scheduler::Scheduler(const Registry& registry, const InferenceSettings& settings) {
  for (const auto& status : registry.models()) {
    if (status.available) add(registry.get(status.name), settings.batching_for(status.name));
    else add_unavailable(status.name, status.reason);
  }
}

Scheduler::~Scheduler() { shutdown(); }

void Scheduler::add(std::shared_ptr<Model> model, BatchPolicy policy) {
  if (!model) throw Error(Errc::invalid_argument, "Scheduler::add: null model");
  const std::string& name = model->name();
  if (std::any_of(queues_.begin(), queues_.end(), [&](const auto& q) { return q->name() == name; }) ||
      std::any_of(unavailable_.begin(), unavailable_.end(), [&](const auto& u) { return u.first == name; }))
    throw Error(Errc::invalid_argument, "model " + name + " is added to the scheduler twice");
  queues_.push_back(std::make_unique<Queue>(std::move(model), policy));
}

void Scheduler::add_unavailable(std::string name, std::string reason) {
  unavailable_.emplace_back(std::move(name), std::move(reason));
}

Scheduler::Queue& Scheduler::queue(std::string_view model) const {
  for (const auto& q : queues_)
    if (q->name() == model) return *q;
  for (const auto& [name, reason] : unavailable_)
    if (name == model) throw Error(Errc::not_found, fmt::format("model {} is unavailable: {}", model, reason));
  throw Error(Errc::not_found, fmt::format("model {} is not loaded", model));
}

std::future<Tensors> Scheduler::submit(std::string_view model, Tensors inputs, std::chrono::microseconds wait_for_space) {
  return queue(model).submit(std::move(inputs), wait_for_space);
}

std::future<Tensors> Scheduler::submit(std::string_view model, Tensor image, std::chrono::microseconds wait_for_space) {
  Tensors inputs;
  inputs.push_back(std::move(image));
  return submit(model, std::move(inputs), wait_for_space);
}

QueueStats Scheduler::stats(std::string_view model) const { return queue(model).stats(); }

void Scheduler::shutdown() {
  for (auto& q : queues_) q->stop();
}

} // namespace osteon::inference
