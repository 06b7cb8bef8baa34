#pragma once
// The typed side of the one durable work-queue engine (src/jobs): what a queue stores (a Store,
// SQL behind it) and what it does with an item (a Runner). Every queue follows the same life:
//   claim (leased, attempt + 1) -> run -> done | retry at now + backoff | failed
// A claim is fenced by its attempt number: a store accepts the outcome only from the claim that
// holds the item now, so a worker whose lease ran out cannot overwrite a newer attempt.
#include <chrono>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>

namespace osteon::jobs {

/// Exponential backoff for transient failures, capped, with a bounded number of attempts.
struct RetryPolicy {
  int max_attempts = 3;
  std::chrono::milliseconds base{2000};  // delay after the first failed attempt, doubled per attempt
  std::chrono::milliseconds cap{300000};
  bool may_retry(std::int64_t attempts) const { return attempts < max_attempts; }
  /// The delay after failed attempt number `attempts` (1-based): base * 2^(attempts-1), at most cap.
  std::chrono::milliseconds delay_after(std::int64_t attempts) const;
};

/// How one attempt ended.
enum class Verdict {
  done,    // finished (whatever the domain outcome: a finding, a delivered object)
  retry,   // a transient failure: again after the backoff, until max_attempts
  failed,  // a permanent failure: never again on its own (an admin may re-queue it)
};

template <typename Result>
struct Attempt {
  Verdict verdict = Verdict::failed;
  std::string reason;  // why it is retried or failed (empty when done)
  Result result{};     // what the store records with the verdict
};

/// The durable side of a queue, as the engine needs it (db::JobQueue and db::OutboxQueue are the
/// SQLite ones; a PostgreSQL backend provides the same members). `Item` has `id` and `attempts`
/// (the attempt it was claimed for). A concept, not a base class: the db layer, which jobs uses,
/// does not depend on jobs.
///   claim(now, lease_until): the oldest due item, or one whose lease expired before `now`:
///     running, attempts + 1, leased until `lease_until`;
///   done / retry_at / failed: settle an item, only if it is still held by that attempt;
///   note_waiting(reason), optional: tells queued items why they wait.
template <typename S, typename Item, typename Result>
concept Store = requires(S& store, const Item& item, const Result& result, const std::string& text) {
  { store.claim(text, text) } -> std::same_as<std::optional<Item>>;
  store.done(item, result, text);
  store.retry_at(item, result, text, text);
  store.failed(item, result, text, text);
};

/// What a queue does with one claimed item. Shared by the queue's workers: must be thread-safe.
template <typename Item, typename Result>
class Runner {
 public:
  virtual ~Runner() = default;
  /// Why no item can run now (e.g. a pipeline's models are missing): workers then wait.
  virtual std::optional<std::string> unavailable_reason() { return std::nullopt; }
  /// Runs one attempt. An exception counts as a transient failure with its message.
  virtual Attempt<Result> run(const Item& item) = 0;
};

} // namespace osteon::jobs
