// kill -9 in the middle of a send: after restart, everything storescu was told is stored is
// indexed and intact, and nothing half-stored remains.
#include <signal.h>

#include <catch2/catch.hpp>
#include <thread>
#include <map>
#include <regex>
#include <sstream>

#include "ingest_fixture.hpp"
#include "node.hpp"

namespace fs = std::filesystem;
using namespace osteon::test;

namespace {
// storescu -v prints "Sending file: F" ... "Received Store Response (Success)" per file.
std::vector<std::string> acknowledged_files(const std::string& log) {
  std::vector<std::string> out;
  std::istringstream in(log);
  std::string line;
  std::string current;
  while (std::getline(in, line)) {
    const auto pos = line.find("Sending file: ");
    if (pos != std::string::npos) current = line.substr(pos + 14);
    if (line.find("Received Store Response (Success)") != std::string::npos && !current.empty()) {
      out.push_back(current);
      current.clear();
    }
  }
  return out;
}
} // namespace

TEST_CASE("kill -9 during a 300-file send loses nothing acknowledged and leaves nothing half-stored", "[crash]") {
  TempDir dir;
  const auto inputs = make_inputs(dir.path() / "in", 300, 41, 512, 512);
  Node node(dir.path() / "data");
  node.start();
  Process sender(store_argv(node.port(), inputs, "STORESCU", {"-v"}), dir.path() / "storescu.log");
  // Let about a third arrive, then crash the node.
  for (int i = 0; i < 6000 && acknowledged_files(sender.log()).size() < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  node.kill9();
  sender.wait_for(std::chrono::seconds(60));
  const auto acked = acknowledged_files(sender.log());
  INFO("acknowledged before the crash: " << acked.size());
  REQUIRE(acked.size() >= 50);
  REQUIRE(acked.size() < inputs.size());

  node.start();
  CHECK_THAT(node.log(), Catch::Contains("spool.reconcile.done"));
  const auto rows = indexed_instances(node.database());
  std::map<std::string, std::string> path_by_uid;
  for (const auto& r : rows) path_by_uid[r.attributes.sop_instance_uid] = r.path;
  for (const auto& file : acked) {
    INFO(file);
    const auto it = path_by_uid.find(sop_instance_uid(file));
    REQUIRE(it != path_by_uid.end());
    CHECK(dataset_bytes(node.data_dir() / it->second) == dataset_bytes(file));
  }
  require_spool_matches_index(node.data_dir());

  // The interrupted association is recorded as such, and the rest can be sent again.
  const auto assocs = run({(binary_dir() / "osteonctl").string(), "--data-dir", node.data_dir().string(), "associations"});
  CHECK_THAT(assocs.output, Catch::Contains("interrupted"));
  const auto resend = store(node.port(), inputs);
  INFO(resend.output);
  CHECK(resend.exit_code == 0);
  CHECK(indexed_instances(node.database()).size() == inputs.size());
  require_spool_matches_index(node.data_dir());
  CHECK(node.stop() == 0);
}
