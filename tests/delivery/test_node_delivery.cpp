// Delivery through the real node: storescu (calling AE MODALITY) sends phantoms, osteon analyses
// them with the shipped models and sends SR + SC back to the sender, Orthanc. Orthanc files a
// duplicate silently, so "exactly once" is proved by its receipts (every instance received,
// duplicates included), not by its instance count.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "node_with_pacs.hpp"

namespace fs = std::filesystem;
using namespace osteon::test;
using nlohmann::json;

namespace {

// Retries every second or two, and never gives up while a test keeps the PACS down.
const std::string retry_fast = "retry_base_s = 1\nretry_cap_s = 2\nmax_attempts = 1000\n";

std::vector<fs::path> two_hands_one_hip(const fs::path& dir, unsigned seed) {
  auto files = make_phantoms(dir / "hand", "hand", 2, seed).files;
  const auto hip = make_phantoms(dir / "hip", "hip", 1, seed + 1).files;
  files.insert(files.end(), hip.begin(), hip.end());
  return files;
}

// Every result went to the PACS: delivered, received exactly once, stored.
void check_delivered_exactly_once(const json& deliveries, const Orthanc& pacs) {
  const auto receipts = pacs.receipts();
  INFO(deliveries.dump(1));
  std::set<std::string> uids;
  for (const auto& d : deliveries) {
    const auto uid = d["sop_instance_uid"].get<std::string>();
    INFO(uid);
    uids.insert(uid);
    CHECK(d["state"] == "delivered");
    CHECK(d["destination"] == "sender");
    CHECK(d["last_error"] == "");
    CHECK(receipts.count(uid) == 1);
    if (receipts.count(uid)) CHECK(receipts.at(uid) == 1);
  }
  CHECK(uids.size() == deliveries.size());
  CHECK(receipts.size() == deliveries.size());  // nothing else arrived either
  CHECK(pacs.instance_count() == static_cast<int>(deliveries.size()));
}

} // namespace

TEST_CASE("results produced while the PACS is stopped reach it after retries once it is started again, exactly once",
          "[node_outage]") {
  REQUIRE(orthanc_available());
  TempDir dir;
  const auto files = two_hands_one_hip(dir.path(), 7301);
  NodeWithPacs fixture(dir.path(), retry_fast);
  Orthanc& pacs = fixture.pacs();
  Node& node = fixture.node();
  pacs.start();
  node.start();
  pacs.stop();

  fixture.send(files);

  // The jobs finish and queue their results; every send is refused, and retried.
  const bool retrying = fixture.wait_for_deliveries(
      [](const json& d) { return d["attempts"].get<int>() >= 2 && d["last_error"] != ""; });
  const json jobs = fixture.jobs();
  json deliveries = fixture.deliveries();
  INFO(jobs.dump(1));
  INFO(deliveries.dump(1));
  INFO(node.log());
  REQUIRE(retrying);
  CHECK(with_results(jobs) == files.size());  // every job ended with results (an SR, mostly an SC too)
  for (const auto& d : deliveries) {
    CHECK(d["state"] != "delivered");
    CHECK(d["state"] != "failed");
    CHECK_THAT(d["last_error"].get<std::string>(), Catch::Contains("network error"));
  }
  CHECK(pacs.receipts().empty());

  // The PACS comes back on the same port with the same storage.
  pacs.start();
  REQUIRE(fixture.wait_until_all_delivered());
  deliveries = fixture.deliveries();
  CHECK(node.stop() == 0);
  check_delivered_exactly_once(deliveries, pacs);
  for (const auto& d : deliveries) CHECK(d["attempts"].get<int>() > 1);  // each one was retried
}

TEST_CASE("kill -9 of the node with a non-empty outbox: after a restart everything is delivered exactly once and no "
          "job runs again",
          "[node_kill9]") {
  REQUIRE(orthanc_available());
  TempDir dir;
  const auto files = two_hands_one_hip(dir.path(), 7401);
  NodeWithPacs fixture(dir.path(), retry_fast);  // the PACS is not started: it is down
  Orthanc& pacs = fixture.pacs();
  Node& node = fixture.node();
  node.start();
  fixture.send(files);

  const bool queued = fixture.wait_for_deliveries(
      [](const json& d) { return d["attempts"].get<int>() >= 1 && d["last_error"] != ""; });
  const json jobs = fixture.jobs();
  json deliveries = fixture.deliveries();
  INFO(node.log());
  REQUIRE(queued);
  const json findings_before = fixture.ctl({"findings"});
  for (const auto& d : deliveries) CHECK(d["state"] != "delivered");

  node.kill9();
  REQUIRE_FALSE(node.running());
  pacs.start();
  node.start();
  REQUIRE(fixture.wait_until_all_delivered());
  deliveries = fixture.deliveries();
  CHECK(node.stop() == 0);
  check_delivered_exactly_once(deliveries, pacs);
  for (const auto& d : deliveries) CHECK(d["attempts"].get<int>() > 1);  // failed before the crash, sent after

  // No job ran again: one job and one finding per instance, each job run once, the same findings.
  const json jobs_after = fixture.ctl({"jobs"});
  const json findings_after = fixture.ctl({"findings"});
  CHECK(jobs_after == jobs);
  CHECK(findings_after == findings_before);
  std::map<std::string, int> jobs_per_instance;
  std::map<std::string, int> findings_per_instance;
  for (const auto& j : jobs_after) {
    ++jobs_per_instance[j["sop_instance_uid"].get<std::string>()];
    CHECK(j["attempts"].get<int>() == 1);
  }
  for (const auto& f : findings_after) ++findings_per_instance[f["sop_instance_uid"].get<std::string>()];
  CHECK(jobs_per_instance.size() == files.size());
  CHECK(findings_per_instance.size() == files.size());
  for (const auto& [uid, n] : jobs_per_instance) CHECK(n == 1);
  for (const auto& [uid, n] : findings_per_instance) CHECK(n == 1);
}
