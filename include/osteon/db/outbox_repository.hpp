#pragma once
// The durable outbox: one row per (result object, destination), claimed atomically by workers.
#include <cstdint>
#include <optional>
#include <string>

#include "osteon/db/database.hpp"
#include "osteon/db/table.hpp"

namespace osteon::db {

struct OutboxItem {
  std::string sop_instance_uid;
  std::string sop_class_uid;
  std::string study_uid;
  std::string path;         // relative to the data directory
  std::string destination;  // configured name ("sender" resolved to the peer)
  std::string ae_title;
  std::string host;
  int port = 0;
  std::string sr_fallbacks;  // comma-separated SR classes to try when the first is refused
};

struct OutboxRow {
  std::int64_t id = 0;
  OutboxItem item;
  std::int64_t attempts = 0;
};

/// What a delivered row records: the SOP class actually sent, and a note (e.g. a warning status).
struct DeliveryReceipt {
  std::string sent_as;
  std::string note;
};

struct OutboxFilter {
  std::optional<std::string> id;
  std::optional<std::string> state;
  std::optional<std::string> destination;
  std::optional<std::string> study_uid;
  std::optional<std::string> sop_instance_uid;
  int limit = 1000;
  int offset = 0;  // rows skipped (paging)
};

class OutboxRepository {
 public:
  explicit OutboxRepository(Database& db) : db_(db) {}

  /// Adds a pending row; false (nothing changes) when this object is already queued for this
  /// destination: a result is never sent twice to the same place.
  bool enqueue(const OutboxItem& item, const std::string& now);
  /// Records an object that cannot be queued (e.g. the sender is not a known peer) as failed.
  void enqueue_failed(const OutboxItem& item, const std::string& reason, const std::string& now);
  /// Rows left 'sending' by a stopped process go back to 'pending'.
  int requeue_interrupted();
  /// An admin's retry of a failed row: pending again, attempts reset. False if not failed.
  bool retry(std::int64_t id);
  /// The failed rows among those `filter` selects (limit and offset aside) made pending again,
  /// attempts reset. Returns how many.
  int retry(const OutboxFilter& filter);
  std::int64_t count(const std::string& state);
  /// (destination, state, objects) for every destination and state that has rows.
  Table counts();
  Table list(const OutboxFilter& filter);

 private:
  Database& db_;
};

/// The outbox as a durable queue (the store jobs::Engine claims from): pending -> sending ->
/// delivered | failed. Only the claim of a row's current attempt settles it.
class OutboxQueue {
 public:
  explicit OutboxQueue(Database& db) : db_(db) {}
  std::optional<OutboxRow> claim(const std::string& now, const std::string& lease_until);
  void done(const OutboxRow& row, const DeliveryReceipt& receipt, const std::string& now);
  void retry_at(const OutboxRow& row, const DeliveryReceipt& receipt, const std::string& error,
                const std::string& at);
  void failed(const OutboxRow& row, const DeliveryReceipt& receipt, const std::string& error,
              const std::string& now);

 private:
  Database& db_;
};

} // namespace osteon::db
