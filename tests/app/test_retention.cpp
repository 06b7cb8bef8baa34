// Storage retention with an injected clock and free-space probe: what is purged when, what is held
// (unfinished jobs, a destination that stays down), per-profile keep times, the safe order and its
// recovery, and purging under disk pressure, oldest first, never what is still needed.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>

#include "osteon/app/purger.hpp"
#include "osteon/core/clock.hpp"
#include "osteon/core/duration.hpp"
#include "osteon/db/audit_repository.hpp"
#include "osteon/db/database.hpp"
#include "osteon/db/instance_repository.hpp"
#include "osteon/db/migrations.hpp"
#include "osteon/db/retention_repository.hpp"
#include "process.hpp"

using namespace osteon;
namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

const auto t0 = std::chrono::system_clock::from_time_t(1800000000);  // 2027-01-15T08:00:00Z

struct RetentionFixture {
  test::TempDir dir{"osteon-retention"};
  fs::path data = dir.path() / "data";
  std::optional<db::Database> database;
  std::chrono::system_clock::time_point now = t0;
  std::int64_t capacity = 0;  // the injected file system: capacity minus the stored files' bytes is free

  RetentionFixture() {
    fs::create_directories(data);
    database.emplace(db::database_path(data));
    db::migrate(*database);
  }

  // A stored file of `bytes`, received at `at`; with a job (routed) or derived from `source`.
  void store(const std::string& uid, std::chrono::system_clock::time_point at, std::int64_t bytes,
             const std::string& profile = "", const std::string& source = "") {
    db::StoredInstance s;
    s.attributes.sop_instance_uid = uid;
    s.attributes.sop_class_uid = "1.2.840.10008.5.1.4.1.1.1.1";
    s.attributes.study_uid = "1.2.3.4";
    s.attributes.series_uid = source.empty() ? "1.2.3.4.1" : "1.2.3.4.9";
    s.attributes.transfer_syntax_uid = "1.2.840.10008.1.2.1";
    s.size_bytes = bytes;
    s.sha256 = "x";
    s.calling_ae = "MODALITY";
    s.received_at = utc_timestamp(at);
    s.path = "spool/" + uid + ".dcm";
    s.derived_from = source;
    s.routing = source.empty() ? (profile.empty() ? "no profile matched" : "profile " + profile)
                               : "result of job 1 (bone_age)";
    if (!profile.empty() && source.empty()) s.job = db::JobRequest{"bone_age", profile};
    fs::create_directories(data / "spool");
    std::ofstream(data / s.path) << std::string(static_cast<std::size_t>(bytes), 'x');
    REQUIRE(db::InstanceRepository(*database).insert(s));
  }
  void finish_job(const std::string& uid, std::chrono::system_clock::time_point at) {
    database->prepare("UPDATE jobs SET state = 'done', finished_at = ? WHERE sop_instance_uid = ?")
        .bind_all(utc_timestamp(at), uid)
        .run();
  }
  void queue_delivery(const std::string& uid, std::chrono::system_clock::time_point at) {
    database->prepare("INSERT INTO outbox(sop_instance_uid, sop_class_uid, path, destination, ae_title, host, port,"
                      " created_at) VALUES (?, '1.2.840.10008.5.1.4.1.1.88.34', ?, 'pacs', 'PACS', '127.0.0.1', 104, ?)")
        .bind_all(uid, "spool/" + uid + ".dcm", utc_timestamp(at))
        .run();
  }
  void deliver(const std::string& uid, std::chrono::system_clock::time_point at) {
    database->prepare("UPDATE outbox SET state = 'delivered', delivered_at = ? WHERE sop_instance_uid = ?")
        .bind_all(utc_timestamp(at), uid)
        .run();
  }

  app::Purger purger(app::RetentionConfig rules = {}, std::vector<routing::Profile> profiles = {},
                     std::int64_t high_water = 0) {
    rules.max_per_second = 1000;
    return app::Purger(
        data, rules, std::move(profiles), high_water, [this] { return now; },
        [this] {
          std::int64_t used = 0;
          for (const auto& f : db::RetentionRepository(*database).stored_files()) used += f.size_bytes;
          return capacity > 0 ? capacity - used : INT64_MAX;
        });
  }
  bool present(const std::string& uid) { return fs::exists(data / "spool" / (uid + ".dcm")); }
  bool purged(const std::string& uid) { return db::RetentionRepository(*database).purged_at(uid).has_value(); }
};

app::RetentionConfig rules_1h_2h_3h() {
  app::RetentionConfig r;
  r.keep_unrouted = hours(1);
  r.keep_after_done = hours(2);
  r.keep_results = hours(3);
  return r;
}

} // namespace

TEST_CASE("retention purges each kind exactly when its rule says, never before its results are delivered",
          "[retention]") {
  RetentionFixture f;
  f.store("U", t0, 100);                   // no profile took it
  f.store("R", t0, 200, "hand-bone-age");  // analysed; its result goes to a destination
  f.store("X", t0 + minutes(10), 50, "", "R");
  f.queue_delivery("X", t0 + minutes(10));
  auto purger = f.purger(rules_1h_2h_3h());

  f.now = t0 + hours(1) - seconds(1);
  CHECK(purger.run_once(*f.database).files == 0);
  auto plan = purger.plan(*f.database);
  CHECK(plan.kept_bytes == 100);
  CHECK(plan.pending_bytes == 250);  // R's job runs; X is not delivered
  CHECK(plan.next_purge_at == utc_timestamp(t0 + hours(1)));

  f.now = t0 + hours(1);
  auto r = purger.run_once(*f.database);
  CHECK(r.uids == std::vector<std::string>{"U"});
  CHECK(r.bytes == 100);
  CHECK_FALSE(f.present("U"));
  CHECK(f.purged("U"));

  // The job finishes; the destination stays down for hours: R and X are held.
  f.finish_job("R", t0 + minutes(10));
  f.now = t0 + hours(10);
  CHECK(purger.run_once(*f.database).files == 0);
  CHECK(f.present("R"));
  CHECK(f.present("X"));

  // Delivered at 10 h: R two hours later, X three.
  f.deliver("X", t0 + hours(10));
  f.now = t0 + hours(12) - seconds(1);
  CHECK(purger.run_once(*f.database).files == 0);
  f.now = t0 + hours(12);
  CHECK(purger.run_once(*f.database).uids == std::vector<std::string>{"R"});
  f.now = t0 + hours(13) - seconds(1);
  CHECK(purger.run_once(*f.database).files == 0);
  f.now = t0 + hours(13);
  CHECK(purger.run_once(*f.database).uids == std::vector<std::string>{"X"});
  plan = purger.plan(*f.database);
  CHECK(plan.items.empty());
  CHECK(plan.purged_bytes == 350);
  CHECK(plan.purged_files == 3);
  // The rows stay, saying purged.
  CHECK(db::InstanceRepository(*f.database).contains("R"));
}

TEST_CASE("a failed delivery releases its source like a delivered one; a profile's own keep times win", "[retention]") {
  RetentionFixture f;
  routing::Profile quick;
  quick.id = "quick";
  quick.keep_after_done = minutes(10);
  quick.keep_results = minutes(5);
  f.store("R", t0, 10, "quick");
  f.store("X", t0, 10, "", "R");
  f.queue_delivery("X", t0);
  f.finish_job("R", t0 + minutes(1));
  f.database->prepare("UPDATE outbox SET state = 'failed', next_attempt_at = ? WHERE sop_instance_uid = 'X'")
      .bind_all(utc_timestamp(t0 + minutes(2)))
      .run();
  auto purger = f.purger(rules_1h_2h_3h(), {quick});
  f.now = t0 + minutes(7);
  CHECK(purger.run_once(*f.database).uids == std::vector<std::string>{"X"});  // 2 min + 5 min
  f.now = t0 + minutes(12);
  CHECK(purger.run_once(*f.database).uids == std::vector<std::string>{"R"});  // 2 min + 10 min
}

TEST_CASE("a purge that stopped between marking and deleting is finished; a taken row is left to its taker",
          "[retention]") {
  RetentionFixture f;
  f.store("A", t0, 10);
  f.store("B", t0, 10);
  db::RetentionRepository repo(*f.database);
  REQUIRE(repo.mark_purging("A"));     // a purger died here (file still there)
  CHECK_FALSE(repo.mark_purging("A"));  // nobody else takes it
  auto purger = f.purger(rules_1h_2h_3h());
  f.now = t0;  // B's keep time has not run out
  const auto r = purger.run_once(*f.database);
  CHECK(r.files == 0);
  CHECK_FALSE(f.present("A"));
  CHECK(f.purged("A"));
  CHECK(f.present("B"));
  CHECK(repo.purging().empty());
}

TEST_CASE("below the high-water mark, kept files go oldest first until there is room; pending ones never",
          "[retention]") {
  RetentionFixture f;
  f.capacity = 1000;
  f.store("old", t0, 200);
  f.store("mid", t0 + minutes(1), 200);
  f.store("new", t0 + minutes(2), 200);
  f.store("busy", t0, 300, "hand-bone-age");  // its job has not run
  // Free: 1000 - 900 = 100; high water 450: old and mid must go (100 + 400 = 500 >= 450).
  auto purger = f.purger(rules_1h_2h_3h(), {}, 450);
  f.now = t0 + minutes(5);  // no keep time has run out
  const auto dry = purger.would_purge(*f.database);  // osteonctl purge --dry-run
  REQUIRE(dry.size() == 2);
  CHECK(dry[0].first.file.sop_instance_uid == "old");
  CHECK(dry[0].second == "disk");
  CHECK(dry[1].first.file.sop_instance_uid == "mid");
  CHECK(f.present("old"));  // a dry run deletes nothing
  auto r = purger.run_once(*f.database);
  CHECK(r.pressure);
  CHECK(r.uids == std::vector<std::string>{"old", "mid"});
  CHECK(r.by_disk == 2);
  CHECK_FALSE(r.still_below);
  CHECK(f.present("new"));
  CHECK(f.present("busy"));
  CHECK(purger.status().empty());
  // Higher still than what can be freed: everything kept goes, the pending one stays, and the
  // purger says why nothing more can be done.
  auto greedy = f.purger(rules_1h_2h_3h(), {}, 900);
  r = greedy.run_once(*f.database);
  CHECK(r.uids == std::vector<std::string>{"new"});
  CHECK(r.still_below);
  CHECK(f.present("busy"));
  CHECK_THAT(greedy.status(), Catch::Contains("nothing more can be purged"));
}

TEST_CASE("durations in the configuration and in profiles", "[retention]") {
  CHECK(parse_duration("90s", "x") == seconds(90));
  CHECK(parse_duration("30m", "x") == minutes(30));
  CHECK(parse_duration("24h", "x") == hours(24));
  CHECK(parse_duration("7d", "x") == hours(168));
  CHECK(parse_duration("0", "x") == seconds(0));
  for (const char* bad : {"", "7", "-1d", "1w", "d", "1.5h", "99999999999d"})
    CHECK_THROWS_WITH(parse_duration(bad, "retention.keep_results"), Catch::Contains("retention.keep_results"));
  CHECK(format_duration(hours(168)) == "7d");
  CHECK(format_duration(minutes(90)) == "90m");
}

TEST_CASE("the rows of images purged more than keep_records ago are forgotten; the audit trail stays", "[retention]") {
  RetentionFixture f;
  f.store("R", t0, 10, "hand-bone-age");
  f.store("X", t0, 10, "", "R");
  f.store("U", t0 + hours(30), 10);
  f.finish_job("R", t0);
  f.database->exec("INSERT INTO findings(job_id, sop_instance_uid, pipeline, profile, outcome, created_at)"
                   " SELECT id, sop_instance_uid, pipeline, profile, 'done', finished_at FROM jobs");
  db::AuditEvent e;
  e.at = utc_timestamp(t0);
  e.event = db::audit::instances_transferred;
  e.actor = "MODALITY";
  db::AuditRepository(*f.database).append(e);
  const auto count = [&](const char* table) {
    auto st = f.database->prepare(std::string("SELECT COUNT(*) FROM ") + table);
    st.step();
    return st.column_int64(0);
  };
  auto rules = rules_1h_2h_3h();
  rules.keep_records = hours(24);
  auto purger = f.purger(rules);
  f.now = t0 + hours(4);  // R and X purged (2 h and 3 h after their last need), at 4 h
  CHECK(purger.run_once(*f.database).files == 2);
  f.now = t0 + hours(28) - seconds(1);  // not yet a day since the purge
  CHECK(purger.run_once(*f.database).forgotten == 0);
  f.now = t0 + hours(28) + seconds(1);
  CHECK(purger.run_once(*f.database).forgotten == 2);
  CHECK(count("findings") == 0);
  CHECK(count("jobs") == 0);
  CHECK(count("instances") == 1);  // U, received later, is still there
  CHECK(count("audit") == 1);
  CHECK(f.present("U"));
}
