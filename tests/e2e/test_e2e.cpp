// The whole chain through the real node: storescu sends phantoms of each kind; osteon stores,
// routes, analyses with the shipped models, writes SR + SC into the source's study and delivers
// them back to the sender (Orthanc), exactly once.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "node.hpp"
#include "orthanc.hpp"

namespace fs = std::filesystem;
using namespace osteon::test;
using nlohmann::json;

namespace {

std::vector<json> read_truth(const fs::path& dir) {
  std::vector<json> out;
  std::ifstream in(dir / "truth.jsonl");
  std::string line;
  while (std::getline(in, line)) out.push_back(json::parse(line));
  return out;
}

json ctl(const Node& node, std::vector<std::string> args) {
  std::vector<std::string> argv{(binary_dir() / "osteonctl").string(), "--data-dir", node.data_dir().string(), "--json"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = run(argv);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.output);
}

} // namespace

TEST_CASE("phantoms of each kind come back from the node as SR and SC in their study, once", "[e2e]") {
  REQUIRE(orthanc_available());
  TempDir dir;
  const std::string phantom = (binary_dir() / "osteon-phantom").string();
  std::map<std::string, std::vector<json>> truth;
  std::vector<fs::path> files;
  for (const std::string kind : {"hand", "skull", "hip"}) {
    const fs::path out = dir.path() / kind;
    const auto r = run({phantom, "--kind", kind, "--count", "3", "--seed", "4242", "--out", out.string(), "--quiet"});
    REQUIRE(r.exit_code == 0);
    truth[kind] = read_truth(out);
    for (const auto& t : truth[kind]) files.push_back(out / t["file"].get<std::string>());
  }

  Orthanc pacs(dir.path() / "orthanc");
  pacs.start();
  const std::string extra = "[inference]\nmodels_dir = \"" + (fs::path(OSTEON_SOURCE_DIR) / "models").string() +
                            "\"\n[delivery]\nretry_base_s = 1\nknown_peers = [ { calling_ae = \"MODALITY\", ae_title = \"" +
                            pacs.ae_title() + "\", host = \"127.0.0.1\", port = " + std::to_string(pacs.dicom_port()) + " } ]\n";
  Node node(dir.path() / "data", NodeOptions{"", "", "min_free_mb = 0"}, extra);
  node.start();
  const auto sent = store(node.port(), files, "MODALITY");
  INFO(sent.output);
  REQUIRE(sent.exit_code == 0);

  // Wait for every job to finish and every result to be delivered.
  json jobs;
  json deliveries;
  for (int i = 0; i < 600; ++i) {
    jobs = ctl(node, {"jobs"});
    deliveries = ctl(node, {"deliveries"});
    std::size_t finished = 0;
    for (const auto& j : jobs) finished += (j["state"] == "done" || j["state"] == "not-analysable" || j["state"] == "failed");
    std::size_t delivered = 0;
    for (const auto& d : deliveries) delivered += (d["state"] == "delivered" || d["state"] == "failed");
    if (jobs.size() == files.size() && finished == files.size() && delivered == deliveries.size() && !deliveries.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
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
  const auto findings = ctl(node, {"findings"});
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
