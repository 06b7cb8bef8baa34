#pragma once
// Jobs and findings in SQLite. Claiming is atomic, so several workers never take the same job.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "osteon/db/database.hpp"
#include "osteon/db/instance_repository.hpp"

namespace osteon::db {

struct JobRow {
  std::int64_t id = 0;
  std::string sop_instance_uid;
  std::string pipeline;
  std::string profile;
  std::string state;
  std::int64_t attempts = 0;
  std::string reason;
  std::string path;        // the instance's file, relative to the data directory
  std::string calling_ae;  // who sent the instance
};

struct FindingRow {
  std::string outcome;  // done or not-analysable
  std::string summary;
  std::string data_json = "{}";
  std::string model_name;
  std::string model_version;
  std::string model_sha256;
  std::string timings_json = "{}";
};

struct JobFilter {
  std::optional<std::string> state;
  std::optional<std::string> pipeline;
  std::optional<std::string> study_uid;
  std::optional<std::string> sop_instance_uid;
  int limit = 1000;
};

class JobRepository {
 public:
  explicit JobRepository(Database& db) : db_(db) {}

  /// Jobs left 'running' by a process that stopped: back to 'queued'. Returns how many.
  int requeue_interrupted();
  /// Atomically takes the oldest due queued job of a pipeline: state running, attempts + 1.
  std::optional<JobRow> claim(const std::string& pipeline, const std::string& now);
  /// Finishes a job with its finding, in one transaction. Only a running job can finish.
  void finish(std::int64_t job_id, const FindingRow& finding, const std::string& now);
  /// A failure: retried at `retry_at` when given, else final ('failed').
  void fail(std::int64_t job_id, const std::string& reason, const std::optional<std::string>& retry_at,
            const std::string& timings_json, const std::string& now);
  /// Notes why queued jobs of a pipeline are waiting (e.g. its models are not installed).
  void note_waiting(const std::string& pipeline, const std::string& reason);
  std::int64_t count(const std::string& state);

  Table jobs(const JobFilter& filter);
  Table findings(const JobFilter& filter);

 private:
  Database& db_;
};

} // namespace osteon::db
