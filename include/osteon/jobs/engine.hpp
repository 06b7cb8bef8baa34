#pragma once
// The one durable work-queue engine. A node has one Engine; each kind of work adds named queues
// to it (one per pipeline, one for delivery). The engine owns the workers and the connection
// policy (every worker thread opens its own connection to the node's database), the polling and
// wake-ups, pause and resume per queue, backoff, leases and the recovery at start.
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "osteon/core/clock.hpp"
#include "osteon/jobs/queue.hpp"

namespace osteon::db {
class Database;
}

namespace osteon::jobs {

struct QueueSettings {
  std::string name;  // unique: "bone_age", "delivery"; used in logs, pause and resume
  int workers = 1;   // how many items of this queue run at once
  RetryPolicy retry;
  std::chrono::milliseconds poll{500};  // how often idle workers look for due items
  // How long a claim holds an item. A claim older than this is taken again by the next claim
  // (its worker is presumed dead) and the old worker's outcome is ignored.
  std::chrono::milliseconds lease{std::chrono::minutes(10)};
};

/// One worker's view of a queue: a Store on the worker's own connection and the shared Runner.
class Lane {
 public:
  virtual ~Lane() = default;
  virtual std::optional<std::string> unavailable_reason() = 0;
  virtual void note_waiting(const std::string& reason) = 0;
  /// Claims one due item and settles it; false when none was due.
  virtual bool step(const QueueSettings& settings) = 0;
};

/// What becomes of an attempt under a queue's settings (shared by every lane; logs the decision).
struct Settlement {
  Verdict verdict = Verdict::failed;  // done, retry (at `at`) or failed
  std::string reason;
  std::string at;  // when a retry is due
};
Settlement settle(const QueueSettings& settings, std::int64_t id, std::int64_t attempts, Verdict verdict,
                  const std::string& reason);

template <typename Item, typename Result, Store<Item, Result> StoreT>
class QueueLane final : public Lane {
 public:
  QueueLane(std::unique_ptr<StoreT> store, std::shared_ptr<Runner<Item, Result>> runner)
      : store_(std::move(store)), runner_(std::move(runner)) {}
  std::optional<std::string> unavailable_reason() override { return runner_->unavailable_reason(); }
  void note_waiting(const std::string& reason) override {
    if constexpr (requires { store_->note_waiting(reason); }) store_->note_waiting(reason);
  }
  bool step(const QueueSettings& settings) override {
    const auto now = std::chrono::system_clock::now();
    const auto item = store_->claim(utc_timestamp(now), utc_timestamp(now + settings.lease));
    if (!item) return false;
    Attempt<Result> attempt;
    try {
      attempt = runner_->run(*item);
    } catch (const std::exception& e) {
      attempt.verdict = Verdict::retry;
      attempt.reason = e.what();
    }
    const auto s = settle(settings, item->id, item->attempts, attempt.verdict, attempt.reason);
    const auto at = utc_timestamp();
    switch (s.verdict) {
      case Verdict::done: store_->done(*item, attempt.result, at); break;
      case Verdict::retry: store_->retry_at(*item, attempt.result, s.reason, s.at); break;
      case Verdict::failed: store_->failed(*item, attempt.result, s.reason, at); break;
    }
    return true;
  }

 private:
  std::unique_ptr<StoreT> store_;
  std::shared_ptr<Runner<Item, Result>> runner_;
};

/// A lane over a typed queue: the store on the worker's connection, the runner shared or not.
template <typename Item, typename Result, Store<Item, Result> StoreT>
std::unique_ptr<Lane> make_lane(std::unique_ptr<StoreT> store, std::shared_ptr<Runner<Item, Result>> runner) {
  return std::make_unique<QueueLane<Item, Result, StoreT>>(std::move(store), std::move(runner));
}

class Engine {
 public:
  /// Makes a worker's lane on that worker's own connection.
  using LaneFactory = std::function<std::unique_ptr<Lane>(db::Database& connection)>;
  /// Run once at start, before any worker: returns claims a stopped process left behind.
  using Recovery = std::function<void(db::Database& connection)>;

  explicit Engine(std::filesystem::path database_file);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Adds a queue (before start). Throws osteon::Error(invalid_argument) on a duplicate name.
  void add_queue(QueueSettings settings, LaneFactory make_lane);
  void add_recovery(Recovery recovery);

  /// Runs the recoveries, then starts every queue's workers.
  void start();
  /// Wakes idle workers (new work was queued).
  void notify();
  /// A paused queue claims nothing until resumed; what is running finishes. False: no such queue.
  bool pause(const std::string& queue);
  bool resume(const std::string& queue);
  bool paused(const std::string& queue) const;
  std::vector<std::string> queues() const;
  /// Stops claiming and waits for running items to settle.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace osteon::jobs
