#pragma once
// Pipeline jobs on the work-queue engine: one queue per pipeline, named after it. A job's run
// reads the stored instance, runs its pipeline and, for a done or not-analysable finding, hands
// the finding to the result sink (SR/SC written, indexed and queued for delivery) before the job
// is settled; the finding is committed in the same transaction that ends the job.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "osteon/core/instance_attributes.hpp"
#include "osteon/jobs/engine.hpp"
#include "osteon/pipelines/pipeline.hpp"
#include "osteon/routing/profile.hpp"
#include "osteon/routing/router.hpp"

namespace osteon::db {
class Database;
}

namespace osteon::jobs {

/// What a finished job hands on to become result objects.
struct PublishRequest {
  std::int64_t job_id = 0;
  std::string pipeline;
  const routing::Profile* profile = nullptr;
  std::filesystem::path source_file;
  std::shared_ptr<const dicom::DicomFile> source_dicom;  // the job's one parse of the source (or null)
  InstanceAttributes source;
  std::string sender_calling_ae;  // who sent the source (for "sender" delivery)
};

/// Where a done or not-analysable finding goes (app::ResultPublisher). An exception makes the job
/// retry. Called on the job's worker, with that worker's connection.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual void publish(db::Database& connection, const PublishRequest& request, const pipelines::Finding& finding) = 0;
};

struct PipelineSlot {
  std::shared_ptr<pipelines::Pipeline> pipeline;
  int concurrency = 1;  // jobs of this pipeline run at once
};

struct AnalysisSettings {
  std::filesystem::path data_dir;        // stored instances' paths are relative to it
  // The profiles in force (a reload replaces them): the one a job was routed by gives its parameters.
  std::shared_ptr<const routing::Router> router;
  RetryPolicy retry;
  std::chrono::milliseconds poll{500};
  std::chrono::milliseconds lease{std::chrono::minutes(10)};
};

/// Adds one queue per pipeline and the start-up recovery of jobs a stopped process left running
/// (logged as jobs.resumed). `sink` may be null (findings only, no result objects).
void add_analysis_queues(Engine& engine, const std::map<std::string, PipelineSlot>& pipelines,
                         AnalysisSettings settings, std::shared_ptr<ResultSink> sink);

} // namespace osteon::jobs
