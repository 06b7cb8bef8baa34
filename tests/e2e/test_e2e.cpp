// The whole chain through the real node: storescu sends phantoms of each kind; osteon stores,
// routes, analyses with the shipped models, writes SR, SC and GSPS into the source's study and
// delivers them back to the sender (Orthanc), exactly once; the skull profile of this test sends
// the sender only SR and GSPS (a per-destination choice).
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "node_with_pacs.hpp"

namespace fs = std::filesystem;
using namespace osteon::test;
using nlohmann::json;

namespace {

const std::string sc_class = "1.2.840.10008.5.1.4.1.1.7";
const std::string gsps_class = "1.2.840.10008.5.1.4.1.1.11.1";

// The shipped profiles, the skull's sending the sender only the SR and the GSPS.
fs::path profiles_with_skull_choice(const fs::path& dir) {
  fs::create_directories(dir);
  for (const auto& entry : fs::directory_iterator(fs::path(OSTEON_SOURCE_DIR) / "dicom_profiles")) {
    if (entry.path().extension() != ".toml") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    std::string body = text.str();
    if (body.find("pipeline = \"nasal_fracture\"") != std::string::npos)
      body += "\n[results.objects_for]\nsender = [\"sr\", \"gsps\"]\n";
    std::ofstream(dir / entry.path().filename()) << body;
  }
  return dir;
}

// What Orthanc holds of a study: SOP class -> the instances' simplified tags.
std::multimap<std::string, json> pacs_study(const Orthanc& pacs, const std::string& study_uid) {
  std::multimap<std::string, json> out;
  for (const auto& id : json::parse(pacs.get("/instances"))) {
    const auto tags = json::parse(pacs.get("/instances/" + id.get<std::string>() + "/simplified-tags"));
    if (tags.value("StudyInstanceUID", "") == study_uid) out.emplace(tags.value("SOPClassUID", ""), tags);
  }
  return out;
}

} // namespace

TEST_CASE("phantoms of each kind come back from the node as SR, SC and GSPS in their study, once", "[e2e]") {
  REQUIRE(orthanc_available());
  TempDir dir;
  std::map<std::string, std::vector<json>> truth;
  std::vector<fs::path> files;
  for (const std::string kind : {"hand", "skull", "hip"}) {
    const auto made = make_phantoms(dir.path() / kind, kind, 3, 4242);
    truth[kind] = made.truth;
    files.insert(files.end(), made.files.begin(), made.files.end());
  }

  NodeOptions options;
  options.routing = "profiles_dir = \"" + profiles_with_skull_choice(dir.path() / "profiles").string() + "\"";
  NodeWithPacs fixture(dir.path(), "retry_base_s = 1\n", options);
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
  // Per source, in its study: the SR, the GSPS that applies to the source image and, except for
  // the skulls (the profile's choice for the sender), the SC.
  std::map<std::string, std::string> pipeline_of;
  for (const auto& j : jobs) pipeline_of[j["sop_instance_uid"].get<std::string>()] = j["pipeline"];
  for (const auto& [kind, records] : truth) {
    for (const auto& t : records) {
      const std::string source = t["sop_uid"];
      INFO(kind << " " << source);
      const auto held = pacs_study(pacs, t["study_uid"]);
      std::size_t srs = 0;
      for (const auto& [cls, tags] : held) srs += cls.rfind("1.2.840.10008.5.1.4.1.1.88.", 0) == 0;
      CHECK(srs == 1);
      REQUIRE(held.count(gsps_class) == 1);
      const json& gsps = held.find(gsps_class)->second;
      CHECK(gsps["Modality"] == "PR");
      CHECK(gsps["ReferencedSeriesSequence"][0]["ReferencedImageSequence"][0]["ReferencedSOPInstanceUID"] == source);
      CHECK_THAT(gsps["ContentDescription"].get<std::string>(), Catch::Contains("not for primary diagnosis"));
      CHECK(held.count(sc_class) == (kind == "skull" ? 0u : 1u));
    }
  }
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
