#include "osteon/jobs/engine.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"
#include "osteon/core/wakeup.hpp"
#include "osteon/db/database.hpp"

namespace fs = std::filesystem;

namespace osteon::jobs {

std::chrono::milliseconds RetryPolicy::delay_after(std::int64_t attempts) const {
  const auto factor = std::int64_t{1} << std::clamp<std::int64_t>(attempts - 1, 0, 20);
  return std::min(cap, base * factor);
}

Settlement settle(const QueueSettings& settings, std::int64_t id, std::int64_t attempts, Verdict verdict,
                  const std::string& reason) {
  switch (verdict) {
    case Verdict::done:
      return {Verdict::done, {}, {}};
    case Verdict::retry:
      if (settings.retry.may_retry(attempts)) {
        const auto delay = settings.retry.delay_after(attempts);
        log::warn("queue.retry", {{"queue", settings.name}, {"id", id}, {"attempt", attempts},
                                  {"in_ms", static_cast<std::int64_t>(delay.count())}, {"reason", reason}});
        return {Verdict::retry, reason, utc_timestamp(std::chrono::system_clock::now() + delay)};
      } else {
        const auto final_reason = fmt::format("gave up after {} attempts: {}", attempts, reason);
        log::error("queue.failed", {{"queue", settings.name}, {"id", id}, {"reason", final_reason}});
        return {Verdict::failed, final_reason, {}};
      }
    case Verdict::failed:
      break;
  }
  log::error("queue.failed", {{"queue", settings.name}, {"id", id}, {"attempt", attempts}, {"reason", reason}});
  return {Verdict::failed, reason, {}};
}

namespace {

struct Queue {
  QueueSettings settings;
  Engine::LaneFactory make_lane;
  std::atomic<bool> paused{false};
};

} // namespace

struct Engine::Impl {
  fs::path database_file;
  std::vector<std::unique_ptr<Queue>> queues;
  std::vector<Recovery> recoveries;
  std::vector<std::thread> workers;
  Wakeup wakeup;

  Queue* find(const std::string& name) const {
    for (const auto& q : queues) {
      if (q->settings.name == name) return q.get();
    }
    return nullptr;
  }
  void worker(Queue& queue);
  void serve(Queue& queue, Lane& lane);
};

Engine::Engine(fs::path database_file) : impl_(std::make_unique<Impl>()) {
  impl_->database_file = std::move(database_file);
}

Engine::~Engine() { stop(); }

void Engine::add_queue(QueueSettings settings, LaneFactory make_lane) {
  if (impl_->find(settings.name)) throw Error(Errc::invalid_argument, fmt::format("queue '{}' added twice", settings.name));
  if (!impl_->workers.empty()) throw Error(Errc::internal, "queues are added before the engine starts");
  auto q = std::make_unique<Queue>();
  q->settings = std::move(settings);
  q->make_lane = std::move(make_lane);
  impl_->queues.push_back(std::move(q));
}

void Engine::add_recovery(Recovery recovery) { impl_->recoveries.push_back(std::move(recovery)); }

void Engine::start() {
  if (!impl_->recoveries.empty()) {
    db::Database connection(impl_->database_file);
    for (const auto& r : impl_->recoveries) r(connection);
  }
  for (const auto& q : impl_->queues) {
    const int n = std::max(1, q->settings.workers);
    for (int i = 0; i < n; ++i) impl_->workers.emplace_back([this, queue = q.get()] { impl_->worker(*queue); });
    log::info("queue.started", {{"queue", q->settings.name}, {"workers", n}});
  }
}

void Engine::notify() { impl_->wakeup.notify(); }

bool Engine::pause(const std::string& queue) {
  auto* q = impl_->find(queue);
  if (!q) return false;
  if (!q->paused.exchange(true)) log::info("queue.paused", {{"queue", queue}});
  return true;
}

bool Engine::resume(const std::string& queue) {
  auto* q = impl_->find(queue);
  if (!q) return false;
  if (q->paused.exchange(false)) log::info("queue.resumed", {{"queue", queue}});
  impl_->wakeup.notify();
  return true;
}

bool Engine::paused(const std::string& queue) const {
  const auto* q = impl_->find(queue);
  return q && q->paused.load();
}

std::vector<std::string> Engine::queues() const {
  std::vector<std::string> names;
  for (const auto& q : impl_->queues) names.push_back(q->settings.name);
  return names;
}

void Engine::stop() {
  impl_->wakeup.stop();
  for (auto& w : impl_->workers) w.join();
  impl_->workers.clear();
}

// A worker keeps going through database and runner failures: it logs them, waits a poll interval
// and reconnects. What it had claimed returns to the queue when the claim's lease runs out.
void Engine::Impl::worker(Queue& queue) {
  while (!wakeup.stopped()) {
    try {
      db::Database connection(database_file);
      const auto lane = queue.make_lane(connection);
      serve(queue, *lane);
    } catch (const std::exception& e) {
      log::error("queue.worker_failed", {{"queue", queue.settings.name}, {"error", e.what()}});
      wakeup.wait(wakeup.generation(), queue.settings.poll);
    }
  }
}

void Engine::Impl::serve(Queue& queue, Lane& lane) {
  std::string waiting_reason;
  std::uint64_t noted_generation = ~std::uint64_t{0};
  while (!wakeup.stopped()) {
    const std::uint64_t seen = wakeup.generation();
    if (queue.paused.load()) {
      wakeup.wait(seen, queue.settings.poll);
      continue;
    }
    if (const auto why = lane.unavailable_reason()) {
      if (*why != waiting_reason) {
        waiting_reason = *why;
        log::warn("queue.unavailable", {{"queue", queue.settings.name}, {"reason", *why}});
      }
      if (seen != noted_generation) {  // new items may have arrived: tell them why they wait
        noted_generation = seen;
        lane.note_waiting("waiting: " + *why);
      }
      wakeup.wait(seen, queue.settings.poll);
      continue;
    }
    waiting_reason.clear();
    noted_generation = ~std::uint64_t{0};
    if (!lane.step(queue.settings)) wakeup.wait(seen, queue.settings.poll);
  }
}

} // namespace osteon::jobs
