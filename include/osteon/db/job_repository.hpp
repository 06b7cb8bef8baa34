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
  std::optional<std::string> id;
  std::optional<std::string> state;
  std::optional<std::string> pipeline;
  std::optional<std::string> study_uid;
  std::optional<std::string> sop_instance_uid;
  int limit = 1000;
  int offset = 0;  // rows skipped (paging)
};

class JobRepository {
 public:
  explicit JobRepository(Database& db) : db_(db) {}

  /// Jobs left 'running' by a process that stopped: back to 'queued'. Returns how many.
  int requeue_interrupted();
  /// The settled jobs (done, failed, not-analysable) among those `filter` selects (limit and
  /// offset aside) queued again, attempts reset. Returns how many.
  int rerun(const JobFilter& filter);
  std::int64_t count(const std::string& state);
  /// (pipeline, state, jobs) for every pipeline and state that has jobs.
  Table counts();
  /// (minute "YYYY-MM-DDTHH:MM", pipeline, state, latency_ms) for each job settled since `since`
  /// (ISO 8601 UTC); latency from the image's receipt to the job's end. Oldest first.
  Table settled_since(const std::string& since, int limit);

  Table jobs(const JobFilter& filter);
  Table findings(const JobFilter& filter);

 private:
  Database& db_;
};

/// One pipeline's jobs as a durable queue (the store jobs::Engine claims from): claim the oldest
/// due job, or one whose lease ran out; settle it with its finding. Only the claim of the job's
/// current attempt settles.
class JobQueue {
 public:
  JobQueue(Database& db, std::string pipeline) : db_(db), pipeline_(std::move(pipeline)) {}

  std::optional<JobRow> claim(const std::string& now, const std::string& lease_until);
  /// The job ends with its finding (done or not-analysable), committed in one transaction.
  void done(const JobRow& job, const FindingRow& finding, const std::string& now);
  void retry_at(const JobRow& job, const FindingRow& finding, const std::string& reason, const std::string& at);
  void failed(const JobRow& job, const FindingRow& finding, const std::string& reason, const std::string& now);
  /// Notes why the pipeline's queued jobs are waiting (e.g. its models are not installed).
  void note_waiting(const std::string& reason);

 private:
  Database& db_;
  std::string pipeline_;
};

} // namespace osteon::db
