#pragma once
// Dynamic batching scheduler: one bounded queue and one worker thread per model.
//
// submit() checks the request against the manifest and queues it; the caller gets a future.
// A model's worker waits for the first request, then until max_batch_size requests are queued
// or the oldest has waited max_queue_delay (Triton's dynamic batcher), stacks them into one
// batch and runs it. When a batch fails, each of its requests is run again on its own, so an
// exception caused by one request fails only that request's future.
//
// Back-pressure: a queue holds at most max_queue_size waiting requests. submit() then waits up
// to `wait_for_space` (default: not at all) for room and otherwise throws
// Error(out_of_resources) at once; the queue never grows past its bound.
//
// Errors from submit(): unknown or unavailable model Error(not_found); inputs that do not match
// the manifest Error(invalid_argument); queue full Error(out_of_resources); after shutdown
// began Error(out_of_resources). Errors through the future: those of Model::run.
//
// Destruction stops accepting requests, finishes every queued one, and joins the workers.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "osteon/inference/model.hpp"
#include "osteon/inference/registry.hpp"
#include "osteon/inference/settings.hpp"

namespace osteon::inference {

struct QueueStats {
  std::uint64_t requests = 0;  // completed, successfully or not
  std::uint64_t failed = 0;
  std::uint64_t batches = 0;   // model runs, including single retries after a failed batch
  std::uint64_t rejected = 0;  // submit() refused because the queue was full
  std::size_t largest_batch = 0;
  std::size_t queued = 0;      // waiting now
  std::size_t max_batch_size = 0;
};

class Scheduler {
 public:
  /// One queue per available model of the registry, with settings.batching_for(name).
  Scheduler(const Registry& registry, const InferenceSettings& settings);
  /// An empty scheduler; add models with add().
  Scheduler();
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Adds a model with its own queue. Duplicate name: Error(invalid_argument).
  void add(std::shared_ptr<Model> model, BatchPolicy policy);
  /// Registers a model that is known but unavailable: submit() says why.
  void add_unavailable(std::string name, std::string reason);

  /// One request: inputs per Tensors (image [C, H, W], then extras), outputs likewise.
  std::future<Tensors> submit(std::string_view model, Tensors inputs,
                              std::chrono::microseconds wait_for_space = std::chrono::microseconds{0});
  std::future<Tensors> submit(std::string_view model, Tensor image,
                              std::chrono::microseconds wait_for_space = std::chrono::microseconds{0});

  QueueStats stats(std::string_view model) const;

  /// Stops accepting, drains the queues and joins the workers (the destructor calls it).
  void shutdown();

 private:
  class Queue;
  Queue& queue(std::string_view model) const;
  std::vector<std::unique_ptr<Queue>> queues_;
  std::vector<std::pair<std::string, std::string>> unavailable_;
};

} // namespace osteon::inference
