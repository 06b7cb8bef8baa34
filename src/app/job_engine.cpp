#include "osteon/app/job_engine.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "osteon/core/clock.hpp"
#include "osteon/core/config.hpp"
#include "osteon/core/log.hpp"
#include "osteon/core/wakeup.hpp"
#include "osteon/db/job_repository.hpp"
#include "osteon/dicom/attributes_reader.hpp"

namespace fs = std::filesystem;

namespace osteon::app {

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

std::string timings_json(const std::vector<pipelines::StageTiming>& timings) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& t : timings) j[t.stage] = std::round(t.ms * 100.0) / 100.0;
  return j.dump();
}

} // namespace

struct JobEngine::Impl {
  fs::path data_dir;
  std::vector<routing::Profile> profiles;
  std::map<std::string, PipelineSlot> pipelines;
  JobEngineSettings settings;
  PublishFn publish;
  std::unique_ptr<boost::asio::thread_pool> pool;
  Wakeup wakeup;

  const routing::Profile* profile(const std::string& id) const {
    const auto it = std::find_if(profiles.begin(), profiles.end(), [&](const auto& p) { return p.id == id; });
    return it == profiles.end() ? nullptr : &*it;
  }

  void worker(const std::string& name, pipelines::Pipeline& pipeline);
  void run_one(db::Database& database, db::JobRepository& repo, const db::JobRow& job, pipelines::Pipeline& pipeline);
};

JobEngine::JobEngine(fs::path data_dir, std::vector<routing::Profile> profiles,
                     std::map<std::string, PipelineSlot> pipelines, JobEngineSettings settings, PublishFn publish)
    : impl_(std::make_unique<Impl>()) {
  impl_->publish = std::move(publish);
  impl_->data_dir = std::move(data_dir);
  impl_->profiles = std::move(profiles);
  impl_->pipelines = std::move(pipelines);
  impl_->settings = settings;
}

JobEngine::~JobEngine() { stop(); }

void JobEngine::start() {
  {
    db::Database database(database_path(impl_->data_dir));
    db::JobRepository repo(database);
    const int resumed = repo.requeue_interrupted();
    if (resumed > 0) log::warn("jobs.resumed", {{"jobs", resumed}});
  }
  std::size_t threads = 0;
  for (const auto& [name, slot] : impl_->pipelines) threads += static_cast<std::size_t>(std::max(1, slot.concurrency));
  if (threads == 0) return;
  impl_->pool = std::make_unique<boost::asio::thread_pool>(threads);
  for (const auto& [name, slot] : impl_->pipelines) {
    for (int i = 0; i < std::max(1, slot.concurrency); ++i) {
      boost::asio::post(*impl_->pool, [this, n = name, p = slot.pipeline] { impl_->worker(n, *p); });
    }
    log::info("jobs.pipeline", {{"pipeline", name}, {"concurrency", slot.concurrency}});
  }
}

void JobEngine::notify() { impl_->wakeup.notify(); }

void JobEngine::stop() {
  if (!impl_->pool) return;
  impl_->wakeup.stop();
  impl_->pool->join();
  impl_->pool.reset();
}

void JobEngine::Impl::worker(const std::string& name, pipelines::Pipeline& pipeline) {
  try {
    db::Database database(database_path(data_dir));
    db::JobRepository repo(database);
    std::string waiting_reason;
    std::uint64_t noted_generation = ~std::uint64_t{0};
    while (!wakeup.stopped()) {
      const std::uint64_t seen = wakeup.generation();
      if (const auto why = pipeline.unavailable_reason()) {
        if (*why != waiting_reason) {
          waiting_reason = *why;
          log::warn("pipeline.unavailable", {{"pipeline", name}, {"reason", *why}});
        }
        if (seen != noted_generation) {  // new jobs may have arrived: tell them why they wait
          noted_generation = seen;
          repo.note_waiting(name, "waiting: " + *why);
        }
        wakeup.wait(seen, settings.poll);
        continue;
      }
      waiting_reason.clear();
      noted_generation = ~std::uint64_t{0};
      const auto job = repo.claim(name, utc_timestamp());
      if (!job) {
        wakeup.wait(seen, settings.poll);
        continue;
      }
      run_one(database, repo, *job, pipeline);
    }
  } catch (const std::exception& e) {
    log::error("jobs.worker_failed", {{"pipeline", name}, {"error", e.what()}});
  }
}

void JobEngine::Impl::run_one(db::Database& database, db::JobRepository& repo, const db::JobRow& job,
                              pipelines::Pipeline& pipeline) {
  const auto start = std::chrono::steady_clock::now();
  pipelines::Finding finding;
  pipelines::JobInput input;
  try {
    input.job_id = job.id;
    input.file = data_dir / job.path;
    input.attributes = dicom::read_attributes(input.file);
    input.profile = profile(job.profile);
    if (!input.profile) {
      finding.outcome = pipelines::Outcome::failed;
      finding.summary = fmt::format("profile '{}' is no longer configured", job.profile);
    } else {
      finding = pipeline.run(input);
    }
  } catch (const std::exception& e) {
    finding.outcome = pipelines::Outcome::retry;
    finding.summary = e.what();
  }
  const bool finished = finding.outcome == pipelines::Outcome::done || finding.outcome == pipelines::Outcome::not_analysable;
  if (finished && publish) {
    const auto publish_start = std::chrono::steady_clock::now();
    try {
      publish(database, job.id, job.pipeline, input, job.calling_ae, finding);
      finding.timings.push_back({"results", elapsed_ms(publish_start)});
    } catch (const std::exception& e) {
      finding.outcome = pipelines::Outcome::retry;
      finding.summary = fmt::format("cannot write the result objects: {}", e.what());
    }
  }
  finding.timings.push_back({"total", elapsed_ms(start)});
  const std::string now = utc_timestamp();
  const std::string timings = timings_json(finding.timings);
  const std::string outcome = outcome_name(finding.outcome);
  switch (finding.outcome) {
    case pipelines::Outcome::done:
    case pipelines::Outcome::not_analysable:
      repo.finish(job.id, {outcome, finding.summary, finding.data_json, finding.model_name, finding.model_version,
                           finding.model_sha256, timings},
                  now);
      break;
    case pipelines::Outcome::retry:
      if (job.attempts < settings.max_attempts) {
        const auto factor = std::int64_t{1} << std::clamp<std::int64_t>(job.attempts - 1, 0, 20);
        const std::chrono::milliseconds delay = std::min(settings.retry_cap, settings.retry_base * factor);
        repo.fail(job.id, "will retry: " + finding.summary, utc_timestamp(std::chrono::system_clock::now() + delay),
                  timings, now);
        break;
      }
      [[fallthrough]];
    case pipelines::Outcome::failed:
      repo.fail(job.id, finding.summary, std::nullopt, timings, now);
      break;
  }
  log::info("job.finished", {{"job", job.id}, {"pipeline", job.pipeline}, {"sop", job.sop_instance_uid},
                             {"outcome", outcome}, {"attempt", job.attempts}, {"ms", elapsed_ms(start)},
                             {"summary", finding.summary}});
}

} // namespace osteon::app
