#pragma once
// Wakes polling workers early: notify() bumps a generation; wait() sleeps until the generation
// moves past what the worker saw, the timeout passes, or stop() is called.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace osteon {

class Wakeup {
 public:
  std::uint64_t generation() {
    std::lock_guard lock(mutex_);
    return generation_;
  }
  void notify() {
    {
      std::lock_guard lock(mutex_);
      ++generation_;
    }
    cv_.notify_all();
  }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    cv_.notify_all();
  }
  bool stopped() {
    std::lock_guard lock(mutex_);
    return stopped_;
  }
  void wait(std::uint64_t seen, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return stopped_ || generation_ != seen; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::uint64_t generation_ = 0;
  bool stopped_ = false;
};

} // namespace osteon
