#pragma once
// The ingest index: studies, series, instances and associations.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "osteon/core/instance_attributes.hpp"
#include "osteon/db/audit_repository.hpp"
#include "osteon/db/database.hpp"
#include "osteon/db/table.hpp"

namespace osteon::db {

/// A job to create with the instance (same transaction), when routing chose a profile.
struct JobRequest {
  std::string pipeline;
  std::string profile;
};

struct StoredInstance {
  InstanceAttributes attributes;
  std::string routing;  // the routing decision, for people
  std::optional<JobRequest> job;
  std::int64_t size_bytes = 0;
  std::string sha256;
  std::string calling_ae;
  std::optional<std::int64_t> association_id;
  std::string received_at;
  std::string path;  // relative to the data directory
  std::string derived_from;  // a result object: the SOP Instance UID of the analysed image
  std::optional<AuditEvent> audit;  // appended in the same transaction (the store's audit record)
};

struct AssociationStart {
  std::string peer_host;
  std::string calling_ae;
  std::string called_ae;
  std::string started_at;
  std::string transport = "tcp";  // tcp or tls
  std::string peer_subject;       // on TLS: the caller's certificate subject ("" without one)
};

struct AssociationEnd {
  std::string ended_at;
  std::int64_t echoes = 0;
  std::int64_t stores_ok = 0;
  std::int64_t stores_failed = 0;
  std::int64_t bytes = 0;
  std::string result;
};

/// Filters shared by the listing queries (all optional; dates are YYYY-MM-DD on received_at).
struct Filter {
  std::optional<std::string> study_uid;
  std::optional<std::string> series_uid;
  std::optional<std::string> sop_instance_uid;
  std::optional<std::string> patient_id;
  std::optional<std::string> accession_number;
  std::optional<std::string> result_of_job;  // a job id: the result objects (SR, SC) that job wrote
  std::optional<std::string> modality;
  std::optional<std::string> body_part;
  std::optional<std::string> calling_ae;
  std::optional<std::string> received_from;
  std::optional<std::string> received_to;
  int limit = 1000;
  int offset = 0;  // rows skipped (paging)
};

class InstanceRepository {
 public:
  explicit InstanceRepository(Database& db) : db_(db) {}

  bool contains(const std::string& sop_instance_uid);
  std::optional<StoredInstance> find(const std::string& sop_instance_uid);
  /// Inserts the instance (and its study and series when new) in one transaction.
  /// Returns false, changing nothing, when the SOP Instance UID is already indexed.
  bool insert(const StoredInstance& instance);
  /// Every indexed path (relative), for spool reconciliation.
  std::vector<std::string> all_paths();

  std::int64_t start_association(const AssociationStart& start);
  void end_association(std::int64_t id, const AssociationEnd& end);
  /// Associations left 'open' by a process that died: marked 'interrupted'.
  int close_interrupted_associations(const std::string& now);

  Table studies(const Filter& filter);
  Table series(const Filter& filter);
  Table instances(const Filter& filter);
  Table associations(const Filter& filter);
  Table stats();
  /// (minute "YYYY-MM-DDTHH:MM", received) for the images received since `since` (ISO 8601 UTC),
  /// the node's own result objects left out.
  Table received_per_minute(const std::string& since);

 private:
  Database& db_;
};

} // namespace osteon::db
