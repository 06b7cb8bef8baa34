#pragma once
// Delivery: result objects go through a durable outbox (SQLite) to their destinations with a
// C-STORE SCU. Transient failures (connection refused, timeout, peer busy) are retried with
// exponential backoff up to a cap; permanent ones (rejected association, SOP class refused by
// every allowed SR class, a failure status) end the delivery as failed with the reason.
// Restart-safe: rows a stopped process was sending go back to pending. The sending runs as the
// "delivery" queue of the node's work-queue engine (src/jobs).
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "osteon/delivery/config.hpp"
#include "osteon/dimse/storage_scu.hpp"
#include "osteon/jobs/engine.hpp"

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

class Outbox {
 public:
  /// Checks every destination's TLS files (a certificate or key that cannot be loaded stops
  /// start-up, naming the configuration entry).
  Outbox(std::filesystem::path data_dir, DeliveryConfig config, std::string calling_ae);

  /// Queues each object for each destination name ("sender" = the peer known by
  /// `sender_calling_ae`). SR objects may fall back through `sr_classes` (first = as written).
  /// Unknown destinations are recorded as failed deliveries with the reason. Wakes the engine's
  /// workers once attached.
  void enqueue(db::Database& database, const std::vector<ResultObject>& objects,
               const std::vector<std::string>& destinations, const std::string& sender_calling_ae,
               const std::vector<std::string>& sr_classes);
  /// Adds the "delivery" queue (config.workers senders) and its start-up recovery to `engine`.
  void attach(jobs::Engine& engine, std::chrono::milliseconds lease = std::chrono::minutes(10));
  /// C-ECHO to a configured destination (as deliveries reach it: AE titles, TLS). Unknown name:
  /// Error(not_found).
  dimse::SendOutcome echo(const std::string& destination) const;
  /// Puts another set of destinations and known peers in force (a reload): deliveries queued
  /// from then on use it, and so does each next attempt of a queued one (its TLS settings). The
  /// other [delivery] keys (workers, retries) keep their start-up values. A TLS file that cannot
  /// be loaded: Error, and the set in force stays.
  void replace_peers(const DeliveryConfig& config);
  /// The destinations in force.
  std::vector<Destination> destinations() const;

  static constexpr const char* queue_name = "delivery";
  struct Shared;  // what the senders share (defined in outbox.cpp)

 private:
  std::shared_ptr<Shared> shared_;
  jobs::Engine* engine_ = nullptr;
};

} // namespace osteon::delivery
