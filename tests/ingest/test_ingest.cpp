// The node as a modality sees it: storescu sends, osteon stores durably and indexes.
#include <signal.h>

#include <catch2/catch.hpp>
#include <thread>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <map>
#include <set>
#include <thread>
#include <nlohmann/json.hpp>
#include <osteon/synth/dx_writer.hpp>

#include "ingest_fixture.hpp"
#include "node.hpp"
#include "raw_scu.hpp"

namespace fs = std::filesystem;
using namespace osteon;
using namespace osteon::test;

TEST_CASE("200 files over 4 parallel associations are all indexed and byte-identical on disk", "[parallel]") {
  TempDir dir;
  const auto inputs = make_inputs(dir.path() / "in", 200, 7);
  Node node(dir.path() / "data");
  node.start();

  std::vector<std::unique_ptr<Process>> senders;
  for (int a = 0; a < 4; ++a) {
    std::vector<fs::path> share;
    for (std::size_t i = static_cast<std::size_t>(a); i < inputs.size(); i += 4) share.push_back(inputs[i]);
    senders.push_back(std::make_unique<Process>(store_argv(node.port(), share, "MODALITY" + std::to_string(a)),
                                                dir.path() / ("storescu" + std::to_string(a) + ".log")));
  }
  for (auto& s : senders) {
    INFO(s->log());
    CHECK(s->wait_for(std::chrono::seconds(300)) == 0);
  }

  const auto rows = indexed_instances(node.database());
  REQUIRE(rows.size() == inputs.size());
  std::map<std::string, db::StoredInstance> by_uid;
  for (const auto& r : rows) by_uid[r.attributes.sop_instance_uid] = r;
  for (const auto& input : inputs) {
    INFO(input.string());
    const auto it = by_uid.find(sop_instance_uid(input));
    REQUIRE(it != by_uid.end());
    CHECK(dataset_bytes(node.data_dir() / it->second.path) == dataset_bytes(input));
    CHECK(it->second.calling_ae.rfind("MODALITY", 0) == 0);
    CHECK(it->second.attributes.modality == "DX");
  }
  require_spool_matches_index(node.data_dir());
  CHECK(node.stop() == 0);
  CHECK(fs::exists(node.data_dir() / "clean-shutdown"));
}

TEST_CASE("a second copy of an instance is answered Success and stored once", "[durability]") {
  TempDir dir;
  const auto inputs = make_inputs(dir.path() / "in", 3, 11);
  Node node(dir.path() / "data");
  node.start();
  REQUIRE(store(node.port(), inputs).exit_code == 0);
  const auto first = indexed_instances(node.database());
  const auto again = store(node.port(), {inputs[1], inputs[1]});
  INFO(again.output);
  CHECK(again.exit_code == 0);
  const auto second = indexed_instances(node.database());
  CHECK(second.size() == 3);
  CHECK(spool_files(node.data_dir()).size() == 3);
  CHECK(node.stop() == 0);
}

TEST_CASE("below the free-disk threshold every C-STORE is refused with 0xA700 and nothing is kept", "[durability]") {
  TempDir dir;
  const auto inputs = make_inputs(dir.path() / "in", 2, 12);
  // More free space than any disk has: the node must refuse rather than accept and lose.
  Node node(dir.path() / "data", NodeOptions{"", "", "min_free_mb = 1000000000", "auth = false", ""});
  node.start();
  const auto r = store(node.port(), inputs, "STORESCU", {"-v"});
  INFO(r.output);
  CHECK_THAT(r.output, Catch::Contains("Refused: OutOfResources"));
  CHECK(indexed_instances(node.database()).empty());
  CHECK(spool_files(node.data_dir()).empty());
  CHECK(temp_files(node.data_dir()) == 0);
  CHECK_THAT(node.log(), Catch::Contains("store.refused") && Catch::Contains("disk space"));
  CHECK(node.echo());
  CHECK(node.stop() == 0);
}

TEST_CASE("a data set that contradicts its command or lacks UIDs is refused with a reason", "[durability]") {
  TempDir dir;
  const auto inputs = make_inputs(dir.path() / "in", 1, 13);
  Node node(dir.path() / "data");
  node.start();
  DcmFileFormat ff;
  REQUIRE(ff.loadFile(inputs[0].c_str()).good());
  DcmDataset& ds = *ff.getDataset();
  OFString sop_class;
  OFString sop_instance;
  ds.findAndGetOFString(DCM_SOPClassUID, sop_class);
  ds.findAndGetOFString(DCM_SOPInstanceUID, sop_instance);

  SECTION("SOP Instance UID differs from the command") {
    const auto r = raw_store(node.port(), ds, sop_class.c_str(), "1.2.3.4.5.6.7");
    INFO(r.error);
    REQUIRE(r.sent);
    CHECK(r.status == 0xA900);
    CHECK_THAT(r.error_comment, Catch::Contains("SOP Instance UID"));
  }
  SECTION("SOP Class UID differs from the command") {
    ds.putAndInsertString(DCM_SOPClassUID, UID_ComputedRadiographyImageStorage);
    const auto r = raw_store(node.port(), ds, sop_class.c_str(), sop_instance.c_str());
    REQUIRE(r.sent);
    CHECK(r.status == 0xA900);
    CHECK_THAT(r.error_comment, Catch::Contains("SOP Class UID"));
  }
  SECTION("no Study Instance UID") {
    delete ds.remove(DCM_StudyInstanceUID);
    const auto r = raw_store(node.port(), ds, sop_class.c_str(), sop_instance.c_str());
    REQUIRE(r.sent);
    CHECK(r.status == 0xC000);
    CHECK_THAT(r.error_comment, Catch::Contains("Study Instance UID"));
  }
  CHECK(indexed_instances(node.database()).empty());
  CHECK(spool_files(node.data_dir()).empty());
  CHECK(temp_files(node.data_dir()) == 0);
  CHECK(node.echo());
  CHECK(node.stop() == 0);
}

TEST_CASE("osteonctl lists what the running node stored, as a table and as JSON", "[cli]") {
  TempDir dir;
  const auto inputs = make_inputs(dir.path() / "in", 6, 21);
  Node node(dir.path() / "data");
  node.start();
  REQUIRE(store(node.port(), inputs, "CR_ROOM1").exit_code == 0);
  const std::string ctl = (binary_dir() / "osteonctl").string();
  const std::string data = node.data_dir().string();

  auto stats = run({ctl, "--data-dir", data, "--json", "stats"});
  REQUIRE(stats.exit_code == 0);
  const auto s = nlohmann::json::parse(stats.output);
  CHECK(s["instances"] == 6);
  CHECK(s["studies"] == 1);

  auto table = run({ctl, "--data-dir", data, "studies"});
  CHECK(table.exit_code == 0);
  CHECK_THAT(table.output, Catch::Contains("study_uid") && Catch::Contains("(1 row)"));

  auto hands = run({ctl, "--data-dir", data, "--json", "instances", "--body-part", "hand"});
  REQUIRE(hands.exit_code == 0);
  CHECK(nlohmann::json::parse(hands.output).size() == 2);  // inputs 0 and 3
  auto by_ae = run({ctl, "--data-dir", data, "--json", "series", "--calling-ae", "CR_ROOM1", "--modality", "DX"});
  REQUIRE(by_ae.exit_code == 0);
  CHECK(nlohmann::json::parse(by_ae.output).size() == 1);
  auto nobody = run({ctl, "--data-dir", data, "--json", "instances", "--calling-ae", "NOBODY"});
  CHECK(nlohmann::json::parse(nobody.output).empty());
  auto future = run({ctl, "--data-dir", data, "--json", "instances", "--from", "2999-01-01"});
  CHECK(nlohmann::json::parse(future.output).empty());
  auto assocs = run({ctl, "--data-dir", data, "--json", "associations"});
  CHECK_THAT(assocs.output, Catch::Contains("CR_ROOM1"));

  auto missing = run({ctl, "--data-dir", (dir.path() / "nowhere").string(), "stats"});
  CHECK(missing.exit_code != 0);
  CHECK_THAT(missing.output, Catch::Contains("no database"));
  auto help = run({ctl, "--help"});
  CHECK_THAT(help.output, Catch::Contains("instances") && Catch::Contains("--json") && Catch::Contains("route"));

  // route explains the profile decision for a file (inputs[0] is a hand PA, inputs[1] a skull PA).
  auto hand = run({ctl, "route", inputs[0].string()});
  CHECK(hand.exit_code == 0);
  CHECK_THAT(hand.output, Catch::Contains("-> profile hand-bone-age (pipeline bone_age)"));
  auto skull_pa = run({ctl, "--json", "route", inputs[1].string()});
  CHECK(skull_pa.exit_code == 1);
  const auto why = nlohmann::json::parse(skull_pa.output);
  CHECK(why["profile"].is_null());
  CHECK_THAT(why["summary"].get<std::string>(), Catch::Contains("view position 'PA' not in"));
  CHECK(node.stop() == 0);
}

TEST_CASE("the node explains its options and rejects bad configuration with file and line", "[cli]") {
  TempDir dir;
  const std::string osteon = (binary_dir() / "osteon").string();
  auto help = run({osteon, "--help"});
  CHECK(help.exit_code == 0);
  for (const char* option : {"--config", "--port", "--aet", "--data-dir"}) CHECK_THAT(help.output, Catch::Contains(option));
  std::ofstream(dir.path() / "bad.toml") << "[node]\nport = 11112\nmax_associatons = 4\n";
  auto bad = run({osteon, "--config", (dir.path() / "bad.toml").string()});
  CHECK(bad.exit_code != 0);
  CHECK_THAT(bad.output, Catch::Contains("bad.toml:3") && Catch::Contains("max_associatons"));
  auto ok = run({osteon, "--check-config", "--port", "4000"});
  CHECK(ok.exit_code == 0);
}

TEST_CASE("SIGTERM during an open association lets it finish, then the node exits cleanly", "[cli]") {
  TempDir dir;
  const auto inputs = make_inputs(dir.path() / "in", 40, 23, 512, 512);
  Node node(dir.path() / "data");
  node.start();
  Process sender(store_argv(node.port(), inputs), dir.path() / "storescu.log");
  // Stop as soon as the first instance is stored, while the association is busy.
  for (int i = 0; i < 500 && indexed_instances(node.database()).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(node.stop() == 0);
  INFO(sender.log());
  CHECK(sender.wait_for(std::chrono::seconds(60)) == 0);
  CHECK(indexed_instances(node.database()).size() == inputs.size());
  CHECK_THAT(node.log(), Catch::Contains("node.stopping") && Catch::Contains("node.stopped"));
}

TEST_CASE("each stored instance gets one job for its pipeline, or a recorded reason for none", "[routing]") {
  TempDir dir;
  // inputs: 0 hand PA (-> bone_age), 1 skull PA (view not lateral: no profile), 2 hip PA (-> implant_id).
  const auto inputs = make_inputs(dir.path() / "in", 3, 51);
  Node node(dir.path() / "data");
  node.start();
  REQUIRE(store(node.port(), inputs).exit_code == 0);
  REQUIRE(store(node.port(), {inputs[0]}).exit_code == 0);  // a second copy: still one job
  const std::string ctl = (binary_dir() / "osteonctl").string();
  const std::string data = node.data_dir().string();

  auto jobs = nlohmann::json::parse(run({ctl, "--data-dir", data, "--json", "jobs"}).output);
  REQUIRE(jobs.size() == 2);
  std::set<std::string> pipelines;
  for (const auto& j : jobs) {
    pipelines.insert(j["pipeline"].get<std::string>());
    CHECK(j["state"] == "queued");
  }
  CHECK(pipelines == std::set<std::string>{"bone_age", "implant_id"});

  auto instances = nlohmann::json::parse(run({ctl, "--data-dir", data, "--json", "instances"}).output);
  REQUIRE(instances.size() == 3);
  int unrouted = 0;
  for (const auto& i : instances) {
    const auto routing = i["routing"].get<std::string>();
    if (routing.rfind("no profile matched", 0) == 0) {
      ++unrouted;
      CHECK_THAT(routing, Catch::Contains("view position 'PA'"));
    } else {
      CHECK_THAT(routing, Catch::StartsWith("profile "));
    }
  }
  CHECK(unrouted == 1);
  // Until the pipelines are built in, their jobs wait and say why.
  for (int i = 0; i < 100; ++i) {
    jobs = nlohmann::json::parse(run({ctl, "--data-dir", data, "--json", "jobs", "--pipeline", "bone_age"}).output);
    if (jobs[0]["reason"].get<std::string>().rfind("waiting:", 0) == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK_THAT(jobs[0]["reason"].get<std::string>(), Catch::StartsWith("waiting: ") && Catch::Contains("not available"));
  CHECK(node.stop() == 0);
}
