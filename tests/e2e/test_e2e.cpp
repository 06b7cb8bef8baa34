// The whole chain through the real node: storescu sends phantoms of each kind; osteon stores,
// routes, analyses with the shipped models, writes SR + SC into the source's study and delivers
// them back to the sender (Orthanc), exactly once.
#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "node_with_pacs.hpp"

namespace fs = std::filesystem;
using namespace osteon::test;
using nlohmann::json;

TEST_CASE("phantoms of each kind come back from the node as SR and SC in their study, once", "[e2e]") {
  REQUIRE(orthanc_available());
  TempDir dir;
  std::map<std::string, std::vector<json>> truth;
  std::vector<fs::path> files;
  for (const std::string kind : {"hand", "skull", "hip"}) {
    const auto made = make_phantoms(dir.path() / kind, kind, 3, 4242);
    truth[kind] = made.truth;
    files.insert(files.end(), made.files.begin(), made.files.end());
  }

  NodeWithPacs fixture(dir.path(), "retry_base_s = 1\n");
  Orthanc& pacs = fixture.pacs();
  Node& node = fixture.node();
  pacs.start();
  node.start();
  fixture.send(files);

  // Wait for every job to finish and every result to be delivered (or failed); the checks below
  // say what did not happen.
  fixture.wait_for_deliveries(delivered_or_failed);
  const json& jobs = fixture.jobs();
  const json& deliveries = fixture.deliveries();
  INFO(jobs.dump(1));
  INFO(node.log());
  REQUIRE(jobs.size() == files.size());
  std::size_t done = 0;
  for (const auto& j : jobs) {
    CHECK(j["state"] != "failed");
    done += j["state"] == "done";
  }
  CHECK(done >= 7);  // a phantom may fairly be not analysable; most are not

  // Findings against the truth.
  const auto findings = fixture.ctl({"findings"});
  REQUIRE(findings.size() == files.size());
  double bone_age_error = 0;
  int bone_ages = 0;
  for (const auto& f : findings) {
    CHECK_FALSE(f["model_sha256"].get<std::string>().empty());
    if (f["outcome"] != "done") continue;
    const auto data = json::parse(f["data"].get<std::string>());
    if (f["pipeline"] == "bone_age") {
      REQUIRE(data.contains("bone_age_months"));
      ++bone_ages;
    }
    if (f["pipeline"] == "nasal_fracture") CHECK(data.contains("probability"));
  }
  // Bone age accuracy per image: match findings to truth by SOP Instance UID.
  for (const auto& t : truth["hand"]) {
    for (const auto& f : findings) {
      if (f["sop_instance_uid"] != t["sop_uid"] || f["outcome"] != "done") continue;
      const auto data = json::parse(f["data"].get<std::string>());
      bone_age_error += std::abs(data["bone_age_months"].get<double>() - t["bone_age_months"].get<double>());
    }
  }
  if (bone_ages > 0) CHECK(bone_age_error / bone_ages < 30.0);

  // Every finished job's SR (and SC when done) reached the sender (Orthanc), exactly once, in
  // the source's study.
  std::size_t expected = 0;
  for (const auto& d : deliveries) {
    CHECK(d["state"] == "delivered");
    ++expected;
  }
  CHECK(expected >= done * 2);
  CHECK(pacs.instance_count() == static_cast<int>(expected));
  std::set<std::string> source_studies;
  for (const auto& [kind, records] : truth) {
    for (const auto& t : records) source_studies.insert(t["study_uid"].get<std::string>());
  }
  const auto studies = json::parse(pacs.get("/studies"));
  for (const auto& id : studies) {
    const auto study = json::parse(pacs.get("/studies/" + id.get<std::string>()));
    CHECK(source_studies.contains(study["MainDicomTags"]["StudyInstanceUID"].get<std::string>()));
  }
  CHECK(node.stop() == 0);
}
