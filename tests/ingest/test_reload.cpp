// SIGHUP (systemctl reload): the node reads its routing profiles and result destinations again
// and puts them in force for what arrives next, while an open association goes on.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <thread>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <nlohmann/json.hpp>

#include "ingest_fixture.hpp"
#include "node.hpp"
#include "raw_scu.hpp"

namespace fs = std::filesystem;
using namespace osteon::test;

namespace {

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// Waits until the node's log holds `what` one time more than `before` times.
void await_log(const Node& node, const std::string& what, std::size_t before) {
  for (int i = 0; i < 200; ++i) {
    std::size_t n = 0;
    const std::string log = node.log();
    for (auto at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
    if (n > before) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL("the node did not log " << what << "\n" << node.log());
}

std::size_t count_in_log(const Node& node, const std::string& what) {
  std::size_t n = 0;
  const std::string log = node.log();
  for (auto at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
  return n;
}

// The routing line the node recorded for an instance.
std::string routing_of(const Node& node, const std::string& sop_instance) {
  const auto instances = nlohmann::json::parse(run({(binary_dir() / "osteonctl").string(), "--data-dir",
                                                    node.data_dir().string(), "--json", "instances"})
                                                   .output);
  for (const auto& i : instances)
    if (i["sop_instance_uid"] == sop_instance) return i["routing"].get<std::string>();
  FAIL("instance " << sop_instance << " is not indexed");
  return "";
}

std::set<std::string> profile_ids(const Node& node) {
  const auto reply = http(node, "GET", "/api/v1/routing/profiles");
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  const auto profiles = reply.parsed();
  std::set<std::string> ids;
  for (const auto& p : profiles["items"]) ids.insert(p["id"].get<std::string>());
  return ids;
}

} // namespace

TEST_CASE("SIGHUP puts changed profiles and destinations in force without dropping an open association", "[reload]") {
  TempDir dir;
  const fs::path shipped = dir.path() / "shipped";
  const fs::path local = dir.path() / "local";
  for (const auto& e : fs::directory_iterator(fs::path(OSTEON_SOURCE_DIR) / "dicom_profiles"))
    if (e.path().extension() == ".toml") write(shipped / e.path().filename(), read(e.path()));
  NodeOptions options;
  options.routing = "profiles_dir = \"" + shipped.string() + "\"\noverride_dir = \"" + local.string() + "\"";
  Node node(dir.path() / "data", options, "[delivery]\ndestinations = []\n");
  node.start();
  CHECK(profile_ids(node) == std::set<std::string>{"hand-bone-age", "skull-nasal-fracture", "hip-implant"});

  // Input 0 is a hand PA: the hand profile takes it.
  const auto inputs = make_inputs(dir.path() / "in", 1, 51);
  DcmFileFormat file;
  REQUIRE(file.loadFile(inputs[0].c_str()).good());
  DcmDataset& dataset = *file.getDataset();
  OFString sop_class, first_uid;
  dataset.findAndGetOFString(DCM_SOPClassUID, sop_class);
  dataset.findAndGetOFString(DCM_SOPInstanceUID, first_uid);

  RawAssociation association(node.port(), sop_class.c_str());
  REQUIRE(association.established());
  const auto first = association.store(dataset);
  REQUIRE(first.sent);
  CHECK(first.status == 0);
  CHECK_THAT(routing_of(node, first_uid.c_str()), Catch::StartsWith("profile hand-bone-age"));

  // While the association is open: a local profile replaces the hand profile (another id), an
  // empty file turns the hip profile off, and the configuration gains a destination.
  write(local / "10-hand-bone-age.toml", replaced(read(shipped / "10-hand-bone-age.toml"), "id = \"hand-bone-age\"",
                                                  "id = \"hand-local\""));
  write(local / "30-hip-implant.toml", "");
  write(node.config_file(), replaced(read(node.config_file()), "destinations = []",
                                     "destinations = [ { name = \"pacs\", ae_title = \"PACS\", host = \"127.0.0.1\", port = 11113 } ]"));
  const auto reloads = count_in_log(node, "node.reloaded");
  node.signal(SIGHUP);
  await_log(node, "node.reloaded", reloads);

  // The next instance on the same association is routed by the new set; the association stays up.
  const std::string second_uid = std::string(first_uid.c_str()) + ".2";
  REQUIRE(dataset.putAndInsertString(DCM_SOPInstanceUID, second_uid.c_str()).good());
  const auto second = association.store(dataset);
  REQUIRE(second.sent);
  CHECK(second.status == 0);
  CHECK_THAT(routing_of(node, second_uid), Catch::StartsWith("profile hand-local"));
  CHECK(association.release());

  CHECK(profile_ids(node) == std::set<std::string>{"hand-local", "skull-nasal-fracture"});
  std::set<std::string> destinations;
  const auto system = http(node, "GET", "/api/v1/system").parsed();
  for (const auto& d : system["destinations"]) destinations.insert(d["name"].get<std::string>());
  CHECK(destinations == std::set<std::string>{"pacs", "sender"});
  const auto audit = run({(binary_dir() / "osteonctl").string(), "--data-dir", node.data_dir().string(), "audit"}).output;
  CHECK_THAT(audit, Catch::Contains("configuration reloaded from") && Catch::Contains("2 routing profiles, 1 destinations"));

  // A reload that fails (a profile that does not parse) says why and keeps what is in force.
  write(local / "40-broken.toml", "id = \"broken\"\nthis is not TOML\n");
  const auto failures = count_in_log(node, "node.reload_failed");
  node.signal(SIGHUP);
  await_log(node, "node.reload_failed", failures);
  CHECK_THAT(node.log(), Catch::Contains("40-broken.toml"));
  CHECK(profile_ids(node) == std::set<std::string>{"hand-local", "skull-nasal-fracture"});
  CHECK(node.echo());
  CHECK(node.stop() == 0);
}
