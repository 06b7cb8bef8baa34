// The domain gate through the real node: real radiographs that nobody on the team made
// (../shared/corpus), each wrapped as DX and labelled with each of the three body parts, and
// phantoms labelled as another body part, sent with storescu to osteon with the shipped models.
// Every analysis ends "not analysable" with the domain reason (score and threshold) in osteonctl
// and in its SR, never with a finding; only a hand whose bone age is within 12 months of its label
// would be allowed a finding.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>

#include "node_pipelines_support.hpp"
#include "osteon/eval/real_corpus.hpp"

namespace fs = std::filesystem;
using namespace osteon::test;
using nlohmann::json;

namespace {

constexpr const char* domain_reason = "image unlike the data the model was validated on";

bool ci() {
  const char* v = std::getenv("CI");
  return v && std::string(v) == "true";
}

json data_of(const json& finding) { return json::parse(finding["data"].get<std::string>()); }

// A job's end is acceptable: refused by a domain check with the score and threshold in its reason.
void check_refused(const json& job, const json& finding, const std::string& what) {
  INFO(what << ": job " << job.dump() << "\nfinding " << finding.dump());
  CHECK(job["state"] == "not-analysable");
  CHECK_THAT(job["reason"].get<std::string>(), Catch::Contains(domain_reason) && Catch::Contains("> threshold"));
  CHECK(finding["outcome"] == "not-analysable");
  CHECK_THAT(finding["summary"].get<std::string>(), Catch::Contains(domain_reason));
  const json data = data_of(finding);
  REQUIRE(data.contains("out_of_domain"));
  const json& v = data["out_of_domain"][0];
  CHECK(v["score"].get<double>() > v["threshold"].get<double>());
  for (const char* key : {"bone_age_months", "probability", "implant_found"}) CHECK_FALSE(data.contains(key));
}

} // namespace

TEST_CASE("real radiographs labelled as any of the three body parts are refused by the domain gate, with the score "
          "and threshold in osteonctl and the SR",
          "[domain_real]") {
  const auto corpus = osteon::eval::shared_corpus();
  if (!corpus) {
    if (ci()) FAIL("../shared/corpus is missing: CI must provide it (the real radiographs of the domain gate)");
    WARN("OSTEON-SKIP: ../shared/corpus not found; the domain gate's real-image test did not run");
    return;
  }
  const auto images = osteon::eval::real_corpus(*corpus);
  REQUIRE(images.size() >= 80);
  TempDir dir;
  std::vector<fs::path> files;
  std::map<std::string, std::string> what;  // SOP instance UID -> "image via label"
  std::uint64_t seed = 770000;
  for (const auto& img : images) {
    for (const char* label : {"HAND", "SKULL", "PELVIS"}) {
      const fs::path file = dir.path() / "send" / (std::to_string(++seed) + ".dcm");
      fs::create_directories(file.parent_path());
      osteon::eval::wrap_real(img, label, file, seed);
      files.push_back(file);
      what[sop_instance_uid(file)] = img.name() + " labelled " + label;
    }
  }

  Node node(dir.path() / "data", {}, shipped_models_section());
  node.start();
  const auto sent = store(node.port(), files, "MODALITY");
  INFO(sent.output);
  REQUIRE(sent.exit_code == 0);
  // The node also stores the results it makes (SR, SC): only the images sent are counted here.
  std::vector<json> instances;
  for (const auto& row : ctl_json(node, {"instances"}))
    if (what.count(row["sop_instance_uid"].get<std::string>())) instances.push_back(row);
  REQUIRE(instances.size() == files.size());
  std::size_t routed = 0;
  for (const auto& row : instances) {
    const std::string routing = row["routing"];
    if (routing.rfind("profile ", 0) == 0) {
      ++routed;
    } else {
      // Not a CR/DX image (a mammogram, fluoroscopy): stored and kept, never analysed.
      INFO(what[row["sop_instance_uid"]] << ": " << routing);
      CHECK_THAT(routing, Catch::StartsWith("no profile matched:"));
      const std::string sop_class = row["sop_class_uid"];
      CHECK((sop_class.rfind("1.2.840.10008.5.1.4.1.1.1", 0) != 0 || (row["modality"] != "DX" && row["modality"] != "CR")));
    }
  }
  CHECK(routed >= 3 * 80);  // every xray-real image, under every label
  const auto jobs = wait_for_jobs(node, routed);
  REQUIRE(jobs.size() == routed);
  std::map<std::string, json> finding_of;
  for (const auto& f : ctl_json(node, {"findings"})) finding_of[f["sop_instance_uid"]] = f;
  for (const auto& job : jobs) {
    const std::string uid = job["sop_instance_uid"];
    INFO(what[uid] << ": job " << job.dump());
    REQUIRE(finding_of.count(uid) == 1);
    check_refused(job, finding_of[uid], what[uid]);
  }

  // The SR of a refused image says so, with the numbers, and names its domain check.
  std::string sr_path;
  for (const auto& row : ctl_json(node, {"instances"})) {
    if (is_sr_class(row["sop_class_uid"]) && row["routing"].get<std::string>().find("job " + std::to_string(jobs[0]["id"].get<int>()) + " ") != std::string::npos)
      sr_path = row["path"];
  }
  REQUIRE_FALSE(sr_path.empty());
  const auto dump = run({"dsrdump", "+Pl", (node.data_dir() / sr_path).string()});
  INFO(dump.output);
  CHECK_THAT(dump.output, Catch::Contains("could not analyse: " + std::string(domain_reason)) &&
                              Catch::Contains("threshold") && Catch::Contains("Domain check FAILED"));
  CHECK(node.stop() == 0);
}

TEST_CASE("a phantom labelled as another body part is refused by the domain gate, in all six directions", "[domain_real]") {
  TempDir dir;
  struct Kind {
    const char* name;
    std::vector<std::vector<std::string>> relabel;  // dcmodify edits for the two other labels
  };
  const std::vector<Kind> kinds{
      {"hand", {{"(0018,0015)=SKULL", "(0018,5101)=LL"}, {"(0018,0015)=PELVIS", "(0018,5101)=AP"}}},
      {"skull", {{"(0018,0015)=HAND", "(0018,5101)=PA", "(0020,0062)=L"}, {"(0018,0015)=PELVIS", "(0018,5101)=AP"}}},
      {"hip", {{"(0018,0015)=HAND", "(0018,5101)=PA", "(0020,0062)=L"}, {"(0018,0015)=SKULL", "(0018,5101)=LL"}}}};
  std::vector<fs::path> files;
  std::map<std::string, std::string> what;
  for (const auto& k : kinds) {
    const auto phantoms = make_phantoms(dir.path() / k.name, k.name, 2, 3201);
    for (std::size_t i = 0; i < phantoms.files.size(); ++i) {
      for (const auto& edits : k.relabel) {
        std::vector<std::string> args{"-gst", "-gse", "-gin"};
        for (const auto& e : edits) args.insert(args.end(), {"-m", e});
        const auto file = modified_copy(phantoms.files[i], dir.path() / "edited" / (std::string(k.name) + "-" +
                                        std::to_string(i) + "-" + edits[0].substr(12) + ".dcm"), args);
        files.push_back(file);
        what[sop_instance_uid(file)] = std::string(k.name) + " phantom labelled " + edits[0].substr(12);
      }
    }
  }
  Node node(dir.path() / "data", {}, shipped_models_section());
  node.start();
  const auto sent = store(node.port(), files, "MODALITY");
  INFO(sent.output);
  REQUIRE(sent.exit_code == 0);
  const auto jobs = wait_for_jobs(node, files.size());
  REQUIRE(jobs.size() == files.size());  // every relabelled phantom was routed to the label's pipeline
  std::map<std::string, json> finding_of;
  for (const auto& f : ctl_json(node, {"findings"})) finding_of[f["sop_instance_uid"]] = f;
  for (const auto& job : jobs) {
    const std::string uid = job["sop_instance_uid"];
    check_refused(job, finding_of[uid], what[uid]);
  }
  CHECK(node.stop() == 0);
}
