// Analysis jobs on the work-queue engine, with fake pipelines (a unit seam) and the real SQLite
// store: states, retries, concurrency, restarts, leases, pause and resume.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <osteon/synth/dx_writer.hpp>
#include <set>
#include <thread>

#include "osteon/db/job_repository.hpp"
#include "osteon/db/migrations.hpp"
#include "osteon/dicom/spool.hpp"
#include "osteon/jobs/analysis.hpp"
#include "process.hpp"

namespace fs = std::filesystem;
using namespace osteon;
using namespace std::chrono_literals;

namespace {

// Behaves as told per attempt: a list of outcomes, the last repeats.
class FakePipeline : public pipelines::Pipeline {
 public:
  explicit FakePipeline(std::vector<pipelines::Outcome> script, std::chrono::milliseconds work = 0ms)
      : first_work(work), script_(std::move(script)), work_(work) {}
  std::string name() const override { return "bone_age"; }
  std::optional<std::string> unavailable_reason() const override {
    if (unavailable) return std::string("models not installed");
    return std::nullopt;
  }
  pipelines::Finding run(const pipelines::JobInput& input) override {
    if (input.source && input.source->string(0x0008, 0x0018) == input.attributes.sop_instance_uid) ++with_source;
    const int now = ++running_;
    int seen = max_running.load();
    while (now > seen && !max_running.compare_exchange_weak(seen, now)) {
    }
    int n = 0;
    {
      std::lock_guard lock(mutex_);
      n = runs_[input.job_id]++;
    }
    std::this_thread::sleep_for(n == 0 ? first_work : work_);
    --running_;
    pipelines::Finding f;
    f.outcome = script_[std::min<std::size_t>(n, script_.size() - 1)];
    f.summary = f.outcome == pipelines::Outcome::done ? "bone age 120 months" : "hand mask too small";
    f.data_json = R"({"bone_age_months":120})";
    f.model_name = "fake";
    f.model_version = "1";
    f.timings = {{"inference", 1.0}};
    if (input.attributes.sop_instance_uid.empty() || input.parameters.profile.empty()) f.outcome = pipelines::Outcome::failed;
    return f;
  }
  int runs(std::int64_t job) {
    std::lock_guard lock(mutex_);
    return runs_[job];
  }
  std::atomic<bool> unavailable{false};
  std::chrono::milliseconds first_work{0};  // how long a job's first attempt takes
  std::atomic<int> max_running{0};
  std::atomic<int> with_source{0};  // runs given the job's loaded source

 private:
  std::vector<pipelines::Outcome> script_;
  std::chrono::milliseconds work_;
  std::atomic<int> running_{0};
  std::mutex mutex_;
  std::map<std::int64_t, int> runs_;
};

struct Fixture {
  test::TempDir dir;
  std::vector<routing::Profile> profiles = routing::builtin_profiles();

  Fixture() {
    db::Database database(db::database_path(dir.path()));
    db::migrate(database);
  }

  // Stores `n` small DX files with queued bone_age jobs.
  void add_jobs(int n) {
    db::Database database(db::database_path(dir.path()));
    db::InstanceRepository repo(database);
    dicom::Spool spool(dir.path(), false);
    for (int i = 0; i < n; ++i) {
      synth::DxAttributes a;
      a.sop_uid = synth::make_uid("instance", 77, static_cast<std::uint64_t>(i));
      db::StoredInstance s;
      s.attributes.sop_instance_uid = a.sop_uid;
      s.attributes.study_uid = synth::make_uid("study", 77, 1);
      a.study_uid = s.attributes.study_uid;
      s.attributes.series_uid = synth::make_uid("series", 77, 1);
      a.series_uid = s.attributes.series_uid;
      s.attributes.sop_class_uid = std::string(synth::dx_for_presentation_sop_class);
      s.attributes.transfer_syntax_uid = "1.2.840.10008.1.2.1";
      s.sha256 = "x";
      s.calling_ae = "CR1";
      s.received_at = "2026-11-21T00:00:00.000Z";
      s.path = dicom::Spool::relative_path(s.attributes);
      s.job = db::JobRequest{"bone_age", "hand-bone-age"};
      const auto tmp = spool.new_temp_path();
      synth::write_dx(tmp, a, synth::make_test_pattern(16, 16, 12, static_cast<std::uint32_t>(i)));
      spool.commit(tmp, s.path);
      REQUIRE(repo.insert(s));
    }
  }

  std::int64_t count(const std::string& state) {
    db::Database database(db::database_path(dir.path()), db::Database::Mode::read_only);
    return db::JobRepository(database).count(state);
  }

  std::int64_t findings() {
    db::Database database(db::database_path(dir.path()), db::Database::Mode::read_only);
    auto st = database.prepare("SELECT count(*), count(DISTINCT job_id) FROM findings");
    st.step();
    REQUIRE(st.column_int64(0) == st.column_int64(1));  // never two findings for one job
    return st.column_int64(0);
  }

  void wait_until(const std::function<bool()>& done) {
    for (int i = 0; i < 1000 && !done(); ++i) std::this_thread::sleep_for(10ms);
    REQUIRE(done());
  }

  // An engine with the pipeline's queue, as the node wires it.
  std::unique_ptr<jobs::Engine> engine(const std::shared_ptr<FakePipeline>& p, int concurrency = 1,
                                       std::chrono::milliseconds lease = 10min) {
    auto e = std::make_unique<jobs::Engine>(db::database_path(dir.path()));
    jobs::AnalysisSettings s;
    s.data_dir = dir.path();
    s.router = std::make_shared<routing::Router>(profiles);
    s.retry.base = 20ms;
    s.poll = 20ms;
    s.lease = lease;
    jobs::add_analysis_queues(*e, {{"bone_age", {p, concurrency}}}, s, nullptr);
    return e;
  }
};

using pipelines::Outcome;

} // namespace

TEST_CASE("queued jobs run once and their findings are stored with the job", "[jobs]") {
  Fixture f;
  f.add_jobs(5);
  auto p = std::make_shared<FakePipeline>(std::vector<Outcome>{Outcome::done});
  auto engine = f.engine(p);
  const auto loads = dicom::DicomFile::loads();
  engine->start();
  f.wait_until([&] { return f.count("done") == 5; });
  engine->stop();
  CHECK(f.findings() == 5);
  // Each job parses its source once and hands that parse to the pipeline.
  CHECK(dicom::DicomFile::loads() - loads == 5);
  CHECK(p->with_source == 5);
  for (std::int64_t id = 1; id <= 5; ++id) CHECK(p->runs(id) == 1);
}

TEST_CASE("a not-analysable image ends with its reason and a finding that says so", "[jobs]") {
  Fixture f;
  f.add_jobs(1);
  auto p = std::make_shared<FakePipeline>(std::vector<Outcome>{Outcome::not_analysable});
  auto engine = f.engine(p);
  engine->start();
  f.wait_until([&] { return f.count("not-analysable") == 1; });
  engine->stop();
  db::Database database(db::database_path(f.dir.path()), db::Database::Mode::read_only);
  const auto t = db::JobRepository(database).jobs({});
  CHECK(std::get<std::string>(t.rows[0][7]) == "hand mask too small");
  CHECK(f.findings() == 1);
}

TEST_CASE("transient failures are retried with backoff; permanent ones are not", "[jobs]") {
  Fixture f;
  f.add_jobs(1);
  SECTION("retried until it works") {
    auto p = std::make_shared<FakePipeline>(std::vector<Outcome>{Outcome::retry, Outcome::retry, Outcome::done});
    auto engine = f.engine(p);
    engine->start();
    f.wait_until([&] { return f.count("done") == 1; });
    engine->stop();
    CHECK(p->runs(1) == 3);
  }
  SECTION("gives up after max_attempts") {
    auto p = std::make_shared<FakePipeline>(std::vector<Outcome>{Outcome::retry});
    auto engine = f.engine(p);
    engine->start();
    f.wait_until([&] { return f.count("failed") == 1; });
    engine->stop();
    CHECK(p->runs(1) == 3);
    CHECK(f.findings() == 0);
  }
  SECTION("a permanent failure is final") {
    auto p = std::make_shared<FakePipeline>(std::vector<Outcome>{Outcome::failed});
    auto engine = f.engine(p);
    engine->start();
    f.wait_until([&] { return f.count("failed") == 1; });
    std::this_thread::sleep_for(100ms);
    engine->stop();
    CHECK(p->runs(1) == 1);
  }
}

TEST_CASE("a pipeline runs at most its configured number of jobs at once", "[jobs]") {
  Fixture f;
  f.add_jobs(8);
  auto p = std::make_shared<FakePipeline>(std::vector<Outcome>{Outcome::done}, 30ms);
  auto engine = f.engine(p, 2);
  engine->start();
  f.wait_until([&] { return f.count("done") == 8; });
  engine->stop();
  CHECK(p->max_running.load() == 2);
}

TEST_CASE("after a restart every unfinished job is resumed and finishes exactly once", "[jobs]") {
  Fixture f;
  f.add_jobs(6);
  {
    // A previous process claimed two jobs and died.
    db::Database database(db::database_path(f.dir.path()));
    db::JobQueue queue(database, "bone_age");
    REQUIRE(queue.claim("2026-11-21T00:00:01.000Z", "9999-01-01T00:00:00.000Z"));
    REQUIRE(queue.claim("2026-11-21T00:00:01.000Z", "9999-01-01T00:00:00.000Z"));
    CHECK(db::JobRepository(database).count("running") == 2);
  }
  auto p = std::make_shared<FakePipeline>(std::vector<Outcome>{Outcome::done});
  auto engine = f.engine(p);
  engine->start();
  f.wait_until([&] { return f.count("done") == 6; });
  engine->stop();
  CHECK(f.findings() == 6);
  for (std::int64_t id = 1; id <= 6; ++id) CHECK(p->runs(id) == 1);
}

TEST_CASE("jobs of an unavailable pipeline wait with the reason, and run once it is available", "[jobs]") {
  Fixture f;
  f.add_jobs(2);
  auto p = std::make_shared<FakePipeline>(std::vector<Outcome>{Outcome::done});
  p->unavailable = true;
  auto engine = f.engine(p);
  engine->start();
  f.wait_until([&] {
    db::Database database(db::database_path(f.dir.path()), db::Database::Mode::read_only);
    const auto t = db::JobRepository(database).jobs({});
    return t.rows.size() == 2 && std::get<std::string>(t.rows[0][7]) == "waiting: models not installed";
  });
  CHECK(f.count("queued") == 2);
  p->unavailable = false;
  engine->notify();
  f.wait_until([&] { return f.count("done") == 2; });
  engine->stop();
}

TEST_CASE("a job whose worker outlives its lease is taken again; the late worker cannot settle it", "[jobs]") {
  Fixture f;
  f.add_jobs(1);
  // The first attempt hangs longer than the lease; the second worker takes the job over.
  auto p = std::make_shared<FakePipeline>(std::vector<Outcome>{Outcome::not_analysable, Outcome::done});
  p->first_work = 800ms;
  auto engine = f.engine(p, 2, 150ms);
  engine->start();
  f.wait_until([&] { return f.count("done") == 1; });
  std::this_thread::sleep_for(1200ms);  // the first attempt ends meanwhile, too late
  engine->stop();
  CHECK(p->runs(1) == 2);
  CHECK(f.count("done") == 1);  // the stale not-analysable verdict was ignored
  CHECK(f.findings() == 1);
}

TEST_CASE("a paused queue claims nothing until it is resumed; running work finishes", "[jobs]") {
  Fixture f;
  f.add_jobs(3);
  auto p = std::make_shared<FakePipeline>(std::vector<Outcome>{Outcome::done});
  auto engine = f.engine(p);
  CHECK(engine->queues() == std::vector<std::string>{"bone_age"});
  REQUIRE(engine->pause("bone_age"));
  CHECK_FALSE(engine->pause("no_such_queue"));
  engine->start();
  std::this_thread::sleep_for(300ms);
  CHECK(f.count("queued") == 3);
  CHECK(engine->paused("bone_age"));
  REQUIRE(engine->resume("bone_age"));
  f.wait_until([&] { return f.count("done") == 3; });
  engine->stop();
  CHECK_FALSE(engine->paused("bone_age"));
}

TEST_CASE("the SQLite job queue: leases, fencing and due times", "[jobs]") {
  Fixture f;
  f.add_jobs(2);
  db::Database database(db::database_path(f.dir.path()));
  db::JobQueue queue(database, "bone_age");
  db::JobQueue other(database, "nasal_fracture");
  CHECK_FALSE(other.claim("2026-11-21T00:00:00.000Z", "2026-11-21T00:10:00.000Z"));  // another pipeline's queue
  const auto first = queue.claim("2026-11-21T00:00:00.000Z", "2026-11-21T00:10:00.000Z");
  REQUIRE(first);
  CHECK(first->attempts == 1);
  CHECK_FALSE(first->path.empty());
  CHECK(first->calling_ae == "CR1");
  // Within the lease, the next claim takes the other job; after it, the first one again.
  const auto second = queue.claim("2026-11-21T00:05:00.000Z", "2026-11-21T01:00:00.000Z");
  REQUIRE(second);
  CHECK(second->id != first->id);
  CHECK_FALSE(queue.claim("2026-11-21T00:06:00.000Z", "2026-11-21T00:16:00.000Z"));
  const auto again = queue.claim("2026-11-21T00:11:00.000Z", "2026-11-21T00:21:00.000Z");
  REQUIRE(again);
  CHECK(again->id == first->id);
  CHECK(again->attempts == 2);
  // The first claim's verdict is stale: ignored.
  db::FindingRow finding{"done", "bone age 120 months", "{}", "fake", "1", "", "{}"};
  queue.done(*first, finding, "2026-11-21T00:12:00.000Z");
  CHECK(f.count("running") == 2);
  // A retry is due only at its time.
  queue.retry_at(*again, finding, "busy", "2026-11-21T00:30:00.000Z");
  CHECK(f.count("queued") == 1);
  CHECK_FALSE(queue.claim("2026-11-21T00:20:00.000Z", "2026-11-21T00:30:00.000Z"));
  const auto third = queue.claim("2026-11-21T00:30:00.000Z", "2026-11-21T00:40:00.000Z");
  REQUIRE(third);
  CHECK(third->attempts == 3);
  queue.done(*third, finding, "2026-11-21T00:31:00.000Z");
  queue.failed(*second, finding, "broken", "2026-11-21T00:31:00.000Z");
  CHECK(f.count("done") == 1);
  CHECK(f.count("failed") == 1);
  CHECK(f.findings() == 1);
}

TEST_CASE("backoff doubles from the base up to the cap", "[jobs]") {
  jobs::RetryPolicy r{4, 2000ms, 9000ms};
  CHECK(r.delay_after(1) == 2000ms);
  CHECK(r.delay_after(2) == 4000ms);
  CHECK(r.delay_after(3) == 8000ms);
  CHECK(r.delay_after(4) == 9000ms);
  CHECK(r.delay_after(60) == 9000ms);
  CHECK(r.may_retry(3));
  CHECK_FALSE(r.may_retry(4));
}
