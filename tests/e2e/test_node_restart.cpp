// A batch of phantoms of all three kinds through the real node, interrupted by kill -9 or by
// SIGTERM in the middle: after a restart on the same data directory every instance has exactly
// one job per pipeline, every job ends done or not-analysable, with exactly one finding and one
// SR. Also osteonctl's jobs and findings filters on such a batch.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <thread>

#include "node_pipelines_support.hpp"

namespace fs = std::filesystem;
using namespace osteon::test;
using nlohmann::json;

namespace {

struct Batch {
  std::vector<fs::path> files;
  std::set<std::string> uids;
};

Batch mixed_batch(const fs::path& dir, int per_kind, unsigned seed) {
  Batch b;
  for (const std::string kind : {"hand", "skull", "hip"}) {
    const auto p = make_phantoms(dir / kind, kind, per_kind, seed);
    b.files.insert(b.files.end(), p.files.begin(), p.files.end());
    for (const auto& t : p.truth) b.uids.insert(t["sop_uid"].get<std::string>());
  }
  return b;
}

// Polls until at least one job has finished; returns as soon as one has.
void wait_for_first_final(Node& node) {
  for (int i = 0; i < 3000; ++i) {
    const auto jobs = ctl_json(node, {"jobs"});
    for (const auto& j : jobs) {
      if (is_final(j)) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string only_uid(const json& rows) {
  REQUIRE(rows.size() == 1);
  return rows[0]["sop_instance_uid"].get<std::string>();
}

std::map<std::int64_t, json> by_id(const json& rows, const char* key = "id") {
  std::map<std::int64_t, json> out;
  for (const auto& r : rows) out[r[key].get<std::int64_t>()] = r;
  return out;
}

// What must hold once the whole batch is through, however often the node was stopped.
void check_batch_complete(Node& node, const Batch& batch, const json& jobs) {
  INFO(jobs.dump(1));
  REQUIRE(jobs.size() == batch.files.size());
  // Exactly one job per (instance, pipeline), and every sent instance has its one job.
  std::set<std::pair<std::string, std::string>> keys;
  std::set<std::string> uids;
  for (const auto& j : jobs) {
    const bool first = keys.emplace(j["sop_instance_uid"].get<std::string>(), j["pipeline"].get<std::string>()).second;
    CHECK(first);
    uids.insert(j["sop_instance_uid"].get<std::string>());
    CHECK((j["state"] == "done" || j["state"] == "not-analysable"));  // none running, queued or failed
  }
  CHECK(uids == batch.uids);
  CHECK(count_state(jobs, "done") >= batch.files.size() / 2);  // most phantoms are analysable

  // Exactly one finding per job, agreeing with it.
  const auto findings = ctl_json(node, {"findings"});
  REQUIRE(findings.size() == jobs.size());
  const auto jobs_by_id = by_id(jobs);
  std::set<std::int64_t> finding_jobs;
  for (const auto& f : findings) {
    const auto id = f["job_id"].get<std::int64_t>();
    CHECK(finding_jobs.insert(id).second);
    REQUIRE(jobs_by_id.contains(id));
    CHECK(f["outcome"] == jobs_by_id.at(id)["state"]);
    CHECK(f["sop_instance_uid"] == jobs_by_id.at(id)["sop_instance_uid"]);
  }

  // Exactly one SR per job in the index (a re-run after a crash reuses the same objects).
  const auto instances = ctl_json(node, {"instances"});
  std::map<std::string, int> srs;
  for (const auto& i : instances) {
    if (is_sr_class(i["sop_class_uid"])) ++srs[i["routing"].get<std::string>()];
  }
  for (const auto& j : jobs) {
    const std::string key = "result of job " + std::to_string(j["id"].get<std::int64_t>()) + " (" +
                            j["pipeline"].get<std::string>() + ")";
    INFO(key);
    CHECK(srs[key] == 1);
  }
  CHECK(srs.size() == jobs.size());
}

} // namespace

TEST_CASE("kill -9 in the middle of a batch: after a restart every job finishes exactly once", "[restart]") {
  TempDir dir;
  const auto batch = mixed_batch(dir.path() / "in", 4, 5150);
  Node node(dir.path() / "data", {}, shipped_models_section());
  node.start();
  const auto sent = store(node.port(), batch.files, "MODALITY");
  INFO(sent.output);
  REQUIRE(sent.exit_code == 0);

  wait_for_first_final(node);
  node.kill9();
  // The database as the crash left it (the node is gone, so this is exact).
  const auto at_kill = by_id(ctl_json(node, {"jobs"}));
  const auto findings_at_kill = ctl_json(node, {"findings"});
  std::size_t finished = 0, running = 0, queued = 0;
  for (const auto& [id, j] : at_kill) {
    finished += is_final(j);
    running += j["state"] == "running";
    queued += j["state"] == "queued";
  }
  INFO("at the kill: " << finished << " finished, " << running << " running, " << queued << " queued");
  REQUIRE(at_kill.size() == batch.files.size());
  REQUIRE(finished >= 1);
  REQUIRE(running >= 1);  // a job was interrupted
  CHECK(findings_at_kill.size() == finished);  // a finding is committed with its job's end, never before

  const std::size_t log_before = node.log().size();
  node.start();
  const std::string restart_log = node.log().substr(log_before);
  CHECK_THAT(restart_log, Catch::Contains("jobs.resumed jobs=" + std::to_string(running)));
  const auto jobs = wait_for_jobs(node, batch.files.size());
  INFO(node.log());
  check_batch_complete(node, batch, jobs);

  // Attempts tell the story: finished jobs untouched, interrupted ones ran a second time,
  // queued ones once.
  const auto after = by_id(jobs);
  for (const auto& [id, before] : at_kill) {
    INFO("job " << id << " at the kill: " << before.dump());
    const auto& now = after.at(id);
    if (is_final(before)) {
      CHECK(now["state"] == before["state"]);
      CHECK(now["attempts"] == before["attempts"]);
      CHECK(now["finished_at"] == before["finished_at"]);
    } else if (before["state"] == "running") {
      CHECK(now["attempts"].get<int>() == before["attempts"].get<int>() + 1);
    } else {
      CHECK(now["attempts"] == 1);
    }
  }
  const auto findings_after = by_id(ctl_json(node, {"findings"}));
  for (const auto& f : findings_at_kill) {
    CHECK(findings_after.at(f["id"].get<std::int64_t>()) == f);  // findings from before are kept as they were
  }
  CHECK(node.stop() == 0);
}

TEST_CASE("SIGTERM in the middle of a batch: running jobs finish first, the rest run after the restart",
          "[restart_graceful]") {
  TempDir dir;
  const auto batch = mixed_batch(dir.path() / "in", 3, 5151);
  Node node(dir.path() / "data", {}, shipped_models_section());
  node.start();
  const auto sent = store(node.port(), batch.files, "MODALITY");
  INFO(sent.output);
  REQUIRE(sent.exit_code == 0);

  wait_for_first_final(node);
  CHECK(node.stop() == 0);
  const auto at_stop = ctl_json(node, {"jobs"});
  INFO(at_stop.dump(1));
  REQUIRE(at_stop.size() == batch.files.size());
  CHECK(count_state(at_stop, "running") == 0);  // a clean stop lets running jobs finish
  CHECK(count_state(at_stop, "failed") == 0);
  REQUIRE(count_state(at_stop, "queued") >= 1);
  CHECK(ctl_json(node, {"findings"}).size() == at_stop.size() - count_state(at_stop, "queued"));

  const std::size_t log_before = node.log().size();
  node.start();
  const auto jobs = wait_for_jobs(node, batch.files.size());
  const std::string restart_log = node.log().substr(log_before);
  INFO(restart_log);
  CHECK_THAT(restart_log, !Catch::Contains("jobs.resumed"));
  check_batch_complete(node, batch, jobs);
  for (const auto& j : jobs) CHECK(j["attempts"] == 1);  // nothing was interrupted
  CHECK(node.stop() == 0);
}

TEST_CASE("osteonctl jobs and findings filter by state, pipeline, study and instance", "[ctl]") {
  TempDir dir;
  // Two hands in one study, a skull, a hip, and a skull PA that no profile takes (nasal fracture
  // wants a lateral view).
  const auto hands = make_phantoms(dir.path() / "hand", "hand", 2, 6160, "", 2);
  const auto skull = make_phantoms(dir.path() / "skull", "skull", 1, 6160);
  const auto hip = make_phantoms(dir.path() / "hip", "hip", 1, 6160);
  const auto skull_pa = modified_copy(skull.files[0], dir.path() / "edited" / "skull-pa.dcm",
                                      {"-gst", "-gse", "-gin", "-m", "(0018,5101)=PA"});
  const std::string hand_study = hands.truth[0]["study_uid"];
  REQUIRE(hands.truth[1]["study_uid"] == hand_study);
  const std::string skull_uid = skull.truth[0]["sop_uid"], hip_uid = hip.truth[0]["sop_uid"];
  const std::string skull_pa_uid = sop_instance_uid(skull_pa);

  Node node(dir.path() / "data", {}, shipped_models_section());
  node.start();
  const auto sent =
      store(node.port(), {hands.files[0], hands.files[1], skull.files[0], hip.files[0], skull_pa}, "MODALITY");
  INFO(sent.output);
  REQUIRE(sent.exit_code == 0);
  const auto all = wait_for_jobs(node, 4);
  INFO(all.dump(1));
  INFO(node.log());
  REQUIRE(all.size() == 4);
  for (const auto& j : all) CHECK((j["state"] == "done" || j["state"] == "not-analysable"));

  auto jobs = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "jobs");
    return ctl_json(node, args);
  };
  auto findings = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "findings");
    return ctl_json(node, args);
  };

  // --pipeline
  const auto bone_age = jobs({"--pipeline", "bone_age"});
  REQUIRE(bone_age.size() == 2);
  for (const auto& j : bone_age) CHECK(j["study_uid"] == hand_study);
  CHECK(jobs({"--pipeline", "nasal_fracture"}).size() == 1);
  CHECK(only_uid(jobs({"--pipeline", "implant_id"})) == hip_uid);
  CHECK(findings({"--pipeline", "bone_age"}).size() == 2);
  // --study
  CHECK(jobs({"--study", hand_study}) == bone_age);
  CHECK(findings({"--study", hand_study}).size() == 2);
  CHECK(jobs({"--study", hand_study, "--pipeline", "implant_id"}).empty());
  // --instance
  const auto skull_jobs = jobs({"--instance", skull_uid});
  REQUIRE(skull_jobs.size() == 1);
  CHECK(skull_jobs[0]["pipeline"] == "nasal_fracture");
  const auto skull_findings = findings({"--instance", skull_uid});
  REQUIRE(skull_findings.size() == 1);
  CHECK(skull_findings[0]["job_id"] == skull_jobs[0]["id"]);
  CHECK(jobs({"--instance", skull_pa_uid}).empty());  // stored, not routed
  CHECK(findings({"--instance", skull_pa_uid}).empty());
  // --state
  const auto done = jobs({"--state", "done"});
  const auto not_analysable = jobs({"--state", "not-analysable"});
  CHECK(done.size() + not_analysable.size() == 4);
  CHECK(done.size() == count_state(all, "done"));
  for (const auto& j : done) CHECK(j["state"] == "done");
  for (const auto& j : not_analysable) CHECK(j["state"] == "not-analysable");
  CHECK(findings({"--state", "done"}).size() == done.size());
  for (const auto& f : findings({"--state", "done"})) CHECK(f["outcome"] == "done");
  for (const char* state : {"queued", "running", "failed"}) {
    CHECK(jobs({"--state", state}).empty());
    CHECK(findings({"--state", state}).empty());
  }
  // --limit: newest first
  const auto newest = jobs({"--limit", "1"});
  REQUIRE(newest.size() == 1);
  CHECK(newest[0] == all[0]);
  CHECK(findings({"--limit", "2"}).size() == 2);

  // The table says the same as the JSON.
  const auto table = ctl_text(node, {"jobs", "--pipeline", "bone_age"});
  CHECK(table.exit_code == 0);
  CHECK_THAT(table.output, Catch::Contains("(2 rows)") && Catch::Contains("bone_age") &&
                               !Catch::Contains("nasal_fracture") && !Catch::Contains("implant_id"));
  const auto finding_table = ctl_text(node, {"findings", "--instance", hip_uid});
  CHECK(finding_table.exit_code == 0);
  CHECK_THAT(finding_table.output, Catch::Contains("(1 row)") && Catch::Contains("implant_id"));
  CHECK(node.stop() == 0);
}
