#pragma once
// The job engine: runs queued jobs on their pipelines with bounded concurrency per pipeline,
// retries transient failures with backoff, and resumes after a restart. Each job's finding is
// committed in the same transaction that marks it done, so a job completes exactly once.
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "osteon/db/database.hpp"
#include "osteon/pipelines/pipeline.hpp"
#include "osteon/routing/profile.hpp"

namespace osteon::app {

struct JobEngineSettings {
  int max_attempts = 3;
  std::chrono::milliseconds retry_base{2000};   // first retry delay, doubled each attempt
  std::chrono::milliseconds retry_cap{300000};  // longest delay
  std::chrono::milliseconds poll{500};          // how often idle workers look for due jobs
};

/// Called with a done or not-analysable finding before the job is marked finished (the result
/// objects); an exception makes the job retry.
using PublishFn = std::function<void(db::Database& database, std::int64_t job_id, const std::string& pipeline,
                                     const pipelines::JobInput& input, const std::string& sender_calling_ae,
                                     const pipelines::Finding& finding)>;

struct PipelineSlot {
  std::shared_ptr<pipelines::Pipeline> pipeline;
  int concurrency = 1;
};

class JobEngine {
 public:
  JobEngine(std::filesystem::path data_dir, std::vector<routing::Profile> profiles,
            std::map<std::string, PipelineSlot> pipelines, JobEngineSettings settings = {}, PublishFn publish = {});
  ~JobEngine();
  JobEngine(const JobEngine&) = delete;
  JobEngine& operator=(const JobEngine&) = delete;

  /// Requeues jobs a previous run left 'running' and starts the workers.
  void start();
  /// Wakes idle workers (a job was queued).
  void notify();
  /// Stops claiming new jobs and waits for running ones to finish.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace osteon::app
