// Routing by body part and the three AI pipelines, through the real node: storescu sends
// phantoms (some edited with dcmodify), osteon stores, routes and analyses them with the shipped
// models, and osteonctl shows what happened. No result destination is configured, so every
// delivery is recorded as failed ("sender ... is not in delivery.known_peers"); the result
// objects are checked in the node's own spool and index.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <thread>

#include "node_pipelines_support.hpp"

namespace fs = std::filesystem;
using namespace osteon::test;
using nlohmann::json;

namespace {

json only(const std::vector<json>& rows) {
  REQUIRE(rows.size() == 1);
  return rows.front();
}

json data_of(const json& finding) { return json::parse(finding["data"].get<std::string>()); }

std::string text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

} // namespace

TEST_CASE("images without Body Part Examined are routed by their description or protocol name and analysed",
          "[routing_fallback]") {
  TempDir dir;
  const auto hand = make_phantoms(dir.path() / "hand", "hand", 1, 3101, "empty-body-part");
  const auto hip = make_phantoms(dir.path() / "hip", "hip", 1, 3101, "empty-body-part");
  REQUIRE(hand.truth[0]["body_part"] == "");
  REQUIRE(hip.truth[0]["body_part"] == "");
  // The hip says what it is in the Protocol Name only.
  const auto hip_file = modified_copy(hip.files[0], dir.path() / "edited" / "hip-protocol.dcm",
                                      {"-m", "(0008,1030)=OUTSIDE FILM", "-m", "(0008,103e)=", "-m",
                                       "(0018,1030)=PELVIS AP"});
  const std::string hand_uid = hand.truth[0]["sop_uid"], hip_uid = hip.truth[0]["sop_uid"];

  Node node(dir.path() / "data", {}, shipped_models_section());
  node.start();
  const auto sent = store(node.port(), {hand.files[0], hip_file}, "MODALITY");
  INFO(sent.output);
  REQUIRE(sent.exit_code == 0);

  const auto instances = ctl_json(node, {"instances"});
  const auto hand_row = only(rows_where(instances, "sop_instance_uid", hand_uid));
  CHECK(hand_row["body_part"] == "");
  CHECK_THAT(text(hand_row["routing"]), Catch::StartsWith("profile hand-bone-age (pipeline bone_age)") &&
                                            Catch::Contains("body part empty; study description "
                                                            "'XR HAND LEFT PA BONE AGE' matches"));
  const auto hip_row = only(rows_where(instances, "sop_instance_uid", hip_uid));
  CHECK(hip_row["body_part"] == "");
  CHECK_THAT(text(hip_row["routing"]), Catch::StartsWith("profile hip-implant (pipeline implant_id)") &&
                                           Catch::Contains("body part empty; protocol name 'PELVIS AP' matches"));
  // osteonctl route gives the same decision for the files as sent.
  const auto route = ctl_text(node, {"route", hip_file.string()});
  CHECK(route.exit_code == 0);
  CHECK_THAT(route.output, Catch::Contains("-> profile hip-implant"));

  const auto jobs = wait_for_jobs(node, 2);
  INFO(jobs.dump(1));
  INFO(node.log());
  REQUIRE(jobs.size() == 2);
  const auto hand_job = only(rows_where(jobs, "sop_instance_uid", hand_uid));
  const auto hip_job = only(rows_where(jobs, "sop_instance_uid", hip_uid));
  CHECK(hand_job["pipeline"] == "bone_age");
  CHECK(hand_job["state"] == "done");
  CHECK(hip_job["pipeline"] == "implant_id");
  CHECK(hip_job["state"] == "done");

  const auto hand_finding = only(ctl_json(node, {"findings", "--instance", hand_uid}).get<std::vector<json>>());
  CHECK(hand_finding["outcome"] == "done");
  CHECK(hand_finding["job_id"] == hand_job["id"]);
  CHECK(data_of(hand_finding).contains("bone_age_months"));
  const auto hip_finding = only(ctl_json(node, {"findings", "--instance", hip_uid}).get<std::vector<json>>());
  CHECK(hip_finding["outcome"] == "done");
  CHECK(hip_finding["pipeline"] == "implant_id");
  CHECK(node.stop() == 0);
}

TEST_CASE("an image without Body Part Examined whose descriptions match no profile is kept and says why it has "
          "no job",
          "[routing_fallback]") {
  TempDir dir;
  const auto hand = make_phantoms(dir.path() / "hand", "hand", 1, 3102, "empty-body-part");
  const auto file = modified_copy(hand.files[0], dir.path() / "edited" / "outside.dcm",
                                  {"-m", "(0008,1030)=OUTSIDE FILM", "-m", "(0008,103e)=OUTSIDE FILM", "-m",
                                   "(0018,1030)=OUTSIDE FILM"});
  const std::string uid = hand.truth[0]["sop_uid"];

  Node node(dir.path() / "data", {}, shipped_models_section());
  node.start();
  const auto sent = store(node.port(), {file}, "MODALITY");
  INFO(sent.output);
  REQUIRE(sent.exit_code == 0);  // stored: an image nobody analyses is still kept

  const auto row = only(ctl_json(node, {"instances"}).get<std::vector<json>>());
  CHECK(row["sop_instance_uid"] == uid);
  CHECK(row["body_part"] == "");
  CHECK(fs::is_regular_file(node.data_dir() / row["path"].get<std::string>()));
  const std::string routing = row["routing"];
  CHECK_THAT(routing, Catch::StartsWith("no profile matched:"));
  for (const char* profile : {"hand-bone-age", "skull-nasal-fracture", "hip-implant"}) {
    CHECK_THAT(routing, Catch::Contains(std::string(profile) + ": body part empty and no description matches"));
  }
  // The job would have been created in the same transaction as the instance: there is none.
  CHECK(ctl_json(node, {"jobs"}).empty());
  CHECK(ctl_json(node, {"jobs", "--instance", uid}).empty());
  CHECK(ctl_json(node, {"findings"}).empty());
  CHECK_THAT(node.log(), Catch::Contains("route sop=" + uid + " profile=none"));

  // osteonctl route explains the stored file the same way, and exits 1.
  const auto route = ctl_text(node, {"route", (node.data_dir() / row["path"].get<std::string>()).string()});
  CHECK(route.exit_code == 1);
  CHECK_THAT(route.output, Catch::Contains("no profile matched:") &&
                               Catch::Contains("[no match] hand-bone-age:") &&
                               Catch::Contains("body part empty and no description matches"));
  CHECK(node.stop() == 0);
  CHECK(ctl_json(node, {"jobs"}).empty());
}

TEST_CASE("a hip labelled HAND goes to bone age, is not analysable with a reason, and says so in its SR",
          "[mislabelled]") {
  TempDir dir;
  const auto hip = make_phantoms(dir.path() / "hip", "hip", 1, 3103);
  // A technologist picked the hand protocol: body part HAND, laterality L; the rest is a hip.
  const auto file = modified_copy(hip.files[0], dir.path() / "edited" / "hip-as-hand.dcm",
                                  {"-gst", "-gse", "-gin", "-m", "(0018,0015)=HAND", "-m", "(0020,0062)=L"});
  const std::string uid = sop_instance_uid(file);
  REQUIRE_FALSE(uid.empty());
  // Body part HAND alone: the hip's laterality B (both) keeps it from the left/right-hand profile.
  const auto body_part_only = modified_copy(hip.files[0], dir.path() / "edited" / "hip-body-part-hand.dcm",
                                            {"-gst", "-gse", "-gin", "-m", "(0018,0015)=HAND"});
  const std::string body_part_only_uid = sop_instance_uid(body_part_only);

  Node node(dir.path() / "data", {}, shipped_models_section());
  node.start();
  const auto sent = store(node.port(), {file, body_part_only}, "MODALITY");
  INFO(sent.output);
  REQUIRE(sent.exit_code == 0);

  const auto instances = ctl_json(node, {"instances"});
  const auto source = only(rows_where(instances, "sop_instance_uid", uid));
  CHECK_THAT(text(source["routing"]), Catch::StartsWith("profile hand-bone-age (pipeline bone_age)") &&
                                          Catch::Contains("body part 'HAND' ok"));
  const std::string study = source["study_uid"];
  const auto unrouted = only(rows_where(instances, "sop_instance_uid", body_part_only_uid));
  CHECK_THAT(text(unrouted["routing"]), Catch::StartsWith("no profile matched:") &&
                                            Catch::Contains("hand-bone-age: laterality 'B' not in [L, R]"));
  CHECK(ctl_json(node, {"jobs", "--instance", body_part_only_uid}).empty());

  const auto jobs = wait_for_jobs(node, 1);
  INFO(jobs.dump(1));
  INFO(node.log());
  const auto job = only(jobs.get<std::vector<json>>());
  CHECK(job["pipeline"] == "bone_age");
  REQUIRE(job["state"] == "not-analysable");
  CHECK_THAT(text(job["reason"]), Catch::StartsWith("not analysable: "));

  const auto finding = only(ctl_json(node, {"findings", "--study", study}).get<std::vector<json>>());
  CHECK(finding["job_id"] == job["id"]);
  CHECK(finding["outcome"] == "not-analysable");
  CHECK(finding["summary"] == job["reason"]);
  const auto data = data_of(finding);
  const std::string reason = data["not_analysable"];
  CHECK_FALSE(reason.empty());
  for (const char* key : {"bone_age_months", "bone_age_years", "bone_age_female_months", "bone_age_male_months",
                          "difference_months"}) {
    INFO(key);
    CHECK_FALSE(data.contains(key));
  }

  // The results in the source's study: one SR saying "could not analyse: <reason>" with no bone
  // age measurement, the SC it references and the GSPS with the reason, all indexed as results
  // of this job.
  const auto in_study = ctl_json(node, {"instances", "--study", study});
  REQUIRE(in_study.size() == 4);
  const auto results = rows_where(in_study, "routing", "result of job " + text(job["id"]) + " (bone_age)");
  REQUIRE(results.size() == 3);
  json sr;
  for (const auto& r : results) {
    if (is_sr_class(r["sop_class_uid"])) sr = r;
  }
  REQUIRE(sr.is_object());
  const auto dump = run({"dsrdump", "+Pl", (node.data_dir() / sr["path"].get<std::string>()).string()});
  INFO(dump.output);
  REQUIRE(dump.exit_code == 0);
  CHECK_THAT(dump.output, Catch::Contains("could not analyse: " + reason));
  CHECK_THAT(dump.output, !Catch::Contains("NUM:(,,\"Bone age\")"));

  // All three were queued for the sender, which this node does not know: failed, with the reason.
  const auto deliveries = ctl_json(node, {"deliveries", "--study", study});
  CHECK(deliveries.size() == 3);
  for (const auto& d : deliveries) {
    CHECK(d["state"] == "failed");
    CHECK_THAT(text(d["last_error"]), Catch::Contains("sender 'MODALITY' is not in delivery.known_peers"));
  }
  CHECK(rows_where(deliveries, "sop_instance_uid", sr["sop_instance_uid"]).size() == 1);
  CHECK(node.stop() == 0);
}
