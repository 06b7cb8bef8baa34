#pragma once
// Delivery: result objects go through a durable outbox (SQLite) to their destinations with a
// C-STORE SCU. Transient failures (connection refused, timeout, peer busy) are retried with
// exponential backoff up to a cap; permanent ones (rejected association, SOP class refused by
// every allowed SR class, a failure status) end the delivery as failed with the reason.
// Restart-safe: rows a stopped process was sending go back to pending.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "osteon/core/config.hpp"

namespace osteon::db {
class Database;
}

namespace osteon::delivery {

struct ResultObject {
  std::string sop_instance_uid;
  std::string sop_class_uid;
  std::string study_uid;
  std::string path;  // relative to the data directory
};

/// SR classes in the order to try: the preferred one first, then the others that hold our content.
std::vector<std::string> sr_class_order(const std::string& preferred);

class DeliveryEngine {
 public:
  DeliveryEngine(std::filesystem::path data_dir, DeliveryConfig config, std::string calling_ae);
  ~DeliveryEngine();
  DeliveryEngine(const DeliveryEngine&) = delete;
  DeliveryEngine& operator=(const DeliveryEngine&) = delete;

  /// Queues each object for each destination name ("sender" = the peer known by
  /// `sender_calling_ae`). SR objects may fall back through `sr_classes` (first = as written).
  /// Unknown destinations are recorded as failed deliveries with the reason. Wakes the workers.
  void enqueue(db::Database& database, const std::vector<ResultObject>& objects,
               const std::vector<std::string>& destinations, const std::string& sender_calling_ae,
               const std::vector<std::string>& sr_classes);
  void start();
  void notify();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace osteon::delivery
