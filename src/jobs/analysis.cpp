#include "osteon/jobs/analysis.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "osteon/core/clock.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"
#include "osteon/core/metrics.hpp"
#include "osteon/db/job_repository.hpp"
#include "osteon/db/retention_repository.hpp"
#include "osteon/dicom/attributes_reader.hpp"

namespace fs = std::filesystem;

namespace osteon::jobs {

namespace {

std::string outcome_name(pipelines::Outcome o) {
  switch (o) {
    case pipelines::Outcome::done: return "done";
    case pipelines::Outcome::not_analysable: return "not-analysable";
    case pipelines::Outcome::retry: return "retry";
    case pipelines::Outcome::failed: return "failed";
  }
  return "failed";
}

Verdict verdict_of(pipelines::Outcome o) {
  switch (o) {
    case pipelines::Outcome::done:
    case pipelines::Outcome::not_analysable: return Verdict::done;
    case pipelines::Outcome::retry: return Verdict::retry;
    case pipelines::Outcome::failed: return Verdict::failed;
  }
  return Verdict::failed;
}

std::string timings_json(const std::vector<pipelines::StageTiming>& timings) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& t : timings) j[t.stage] = std::round(t.ms * 100.0) / 100.0;
  return j.dump();
}

struct Shared {
  AnalysisSettings settings;
  std::shared_ptr<ResultSink> sink;

  // The profile of this id in `profiles` (a snapshot of those in force), or null.
  static const routing::Profile* profile(const std::vector<routing::Profile>& profiles, const std::string& id) {
    const auto it = std::find_if(profiles.begin(), profiles.end(), [&](const auto& p) { return p.id == id; });
    return it == profiles.end() ? nullptr : &*it;
  }
};

// One worker's runner: the pipeline is shared, the connection is the worker's own.
// A job whose image retention has deleted: it fails, saying so (never retried).
struct ImagePurged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class AnalysisRunner final : public Runner<db::JobRow, db::FindingRow> {
 public:
  AnalysisRunner(std::shared_ptr<const Shared> shared, std::shared_ptr<pipelines::Pipeline> pipeline,
                 db::Database& connection)
      : shared_(std::move(shared)), pipeline_(std::move(pipeline)), connection_(connection) {}

  std::optional<std::string> unavailable_reason() override { return pipeline_->unavailable_reason(); }

  Attempt<db::FindingRow> run(const db::JobRow& job) override {
    const auto start = std::chrono::steady_clock::now();
    pipelines::Finding finding;
    pipelines::JobInput input;
    const routing::Profile* profile = nullptr;
    const auto profiles = shared_->settings.router ? shared_->settings.router->profiles()
                                                   : std::make_shared<const std::vector<routing::Profile>>();
    try {
      input.job_id = job.id;
      input.file = shared_->settings.data_dir / job.path;
      if (const auto purged = db::RetentionRepository(connection_).purged_at(job.sop_instance_uid))
        throw ImagePurged(fmt::format("the image was purged by retention at {}: it cannot be analysed again "
                                      "(its earlier findings and results stay)",
                                      *purged));
      try {
        // The job's one parse of its source: attributes, decode, patient module and result
        // objects all read this.
        input.source = std::make_shared<const dicom::DicomFile>(dicom::DicomFile::load(input.file));
        input.attributes = dicom::read_attributes(*input.source);
      } catch (const Error&) {
        // The whole file cannot be read (e.g. corrupt pixel data): the header alone may still be,
        // and the pipeline then says why the image cannot be decoded.
        input.source.reset();
        input.attributes = dicom::read_attributes(input.file);
      }
      profile = Shared::profile(*profiles, job.profile);
      if (!profile) {
        finding.outcome = pipelines::Outcome::failed;
        finding.summary = fmt::format("profile '{}' is no longer configured", job.profile);
      } else {
        input.parameters = {profile->id, profile->numbers};
        finding = pipeline_->run(input);
      }
    } catch (const ImagePurged& e) {
      finding.outcome = pipelines::Outcome::failed;
      finding.summary = e.what();
    } catch (const std::exception& e) {
      finding.outcome = pipelines::Outcome::retry;
      finding.summary = e.what();
    }
    if (verdict_of(finding.outcome) == Verdict::done && shared_->sink) {
      const auto publish_start = std::chrono::steady_clock::now();
      try {
        shared_->sink->publish(connection_, {job.id, job.pipeline, profile, input.file, input.source, input.attributes,
                                             job.calling_ae},
                               finding);
        finding.timings.push_back({"results", elapsed_ms(publish_start)});
      } catch (const std::exception& e) {
        finding.outcome = pipelines::Outcome::retry;
        finding.summary = fmt::format("cannot write the result objects: {}", e.what());
      }
    }
    finding.timings.push_back({"total", elapsed_ms(start)});
    const std::string outcome = outcome_name(finding.outcome);
    // As the queue will settle it: a retry past the last attempt is a failure.
    const bool gives_up = finding.outcome == pipelines::Outcome::retry && !shared_->settings.retry.may_retry(job.attempts);
    metrics::add("osteon_jobs_total", {{"pipeline", job.pipeline}, {"outcome", gives_up ? "failed" : outcome}});
    for (const auto& t : finding.timings) {
      if (t.stage == "total") {
        metrics::observe("osteon_job_seconds", {{"pipeline", job.pipeline}}, t.ms / 1000.0);
      } else {
        metrics::observe("osteon_job_stage_seconds", {{"pipeline", job.pipeline}, {"stage", t.stage}}, t.ms / 1000.0);
      }
    }
    log::info("job.finished", {{"job", job.id}, {"pipeline", job.pipeline}, {"sop", job.sop_instance_uid},
                               {"outcome", outcome}, {"attempt", job.attempts}, {"ms", elapsed_ms(start)},
                               {"summary", finding.summary}});
    Attempt<db::FindingRow> a;
    a.verdict = verdict_of(finding.outcome);
    a.reason = finding.summary;
    a.result = {outcome,
                finding.summary,
                finding.data_json,
                finding.model_name,
                finding.model_version,
                finding.model_sha256,
                timings_json(finding.timings)};
    return a;
  }

 private:
  std::shared_ptr<const Shared> shared_;
  std::shared_ptr<pipelines::Pipeline> pipeline_;
  db::Database& connection_;
};

} // namespace

void add_analysis_queues(Engine& engine, const std::map<std::string, PipelineSlot>& pipelines,
                         AnalysisSettings settings, std::shared_ptr<ResultSink> sink) {
  auto shared = std::make_shared<Shared>();
  shared->settings = std::move(settings);
  shared->sink = std::move(sink);
  engine.add_recovery([](db::Database& connection) {
    const int resumed = db::JobRepository(connection).requeue_interrupted();
    if (resumed > 0) log::warn("jobs.resumed", {{"jobs", resumed}});
  });
  for (const auto& [name, slot] : pipelines) {
    QueueSettings q;
    q.name = name;
    q.workers = std::max(1, slot.concurrency);
    q.retry = shared->settings.retry;
    q.poll = shared->settings.poll;
    q.lease = shared->settings.lease;
    engine.add_queue(q, [shared, name = name, pipeline = slot.pipeline](db::Database& connection) {
      return make_lane<db::JobRow, db::FindingRow>(std::make_unique<db::JobQueue>(connection, name),
                                                   std::make_shared<AnalysisRunner>(shared, pipeline, connection));
    });
  }
}

} // namespace osteon::jobs
