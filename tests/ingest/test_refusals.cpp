// Associations the node must refuse, each with the right A-ASSOCIATE-RJ reason, while it
// keeps serving everyone else.
#include <catch2/catch.hpp>
#include <thread>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include "ingest_fixture.hpp"
#include "node.hpp"
#include "raw_scu.hpp"

namespace fs = std::filesystem;
using namespace osteon::test;

namespace {
RunResult echo(int port, const std::string& calling, const std::string& called) {
  return run({"echoscu", "-to", "5", "-aet", calling, "-aec", called, "127.0.0.1", std::to_string(port)});
}

std::string association_results(const Node& node) {
  return run({(binary_dir() / "osteonctl").string(), "--data-dir", node.data_dir().string(), "associations"}).output;
}
} // namespace

TEST_CASE("calling AEs outside the allow-list and wrong called AEs are rejected with their reason", "[refusals]") {
  TempDir dir;
  Node node(dir.path() / "data",
            NodeOptions{"", "allowed_callers = [ { ae_title = \"MODALITY1\" }, { ae_title = \"ROUTER\", host = \"10.9.9.9\" } ]", "min_free_mb = 0", "auth = false", ""});
  node.start();

  const auto stranger = echo(node.port(), "STRANGER", "OSTEON");
  INFO(stranger.output);
  CHECK(stranger.exit_code != 0);
  CHECK_THAT(stranger.output, Catch::Contains("Rejected Permanent") && Catch::Contains("Calling AE Title Not Recognized"));

  // Right AE title, wrong host.
  const auto router = echo(node.port(), "ROUTER", "OSTEON");
  CHECK(router.exit_code != 0);
  CHECK_THAT(router.output, Catch::Contains("Calling AE Title Not Recognized"));

  const auto wrong_called = echo(node.port(), "MODALITY1", "NOT_OSTEON");
  INFO(wrong_called.output);
  CHECK(wrong_called.exit_code != 0);
  CHECK_THAT(wrong_called.output, Catch::Contains("Rejected Permanent") && Catch::Contains("Called AE Title Not Recognized"));

  CHECK(echo(node.port(), "MODALITY1", "OSTEON").exit_code == 0);
  const auto results = association_results(node);
  CHECK_THAT(results, Catch::Contains("rejected: calling AE title not recognized") &&
                          Catch::Contains("rejected: called AE title not recognized") && Catch::Contains("released"));
  CHECK(node.stop() == 0);
}

TEST_CASE("a proposal with only an unsupported SOP class is refused, and the node keeps serving", "[refusals]") {
  TempDir dir;
  auto inputs = make_inputs(dir.path() / "in", 1, 31);
  Node node(dir.path() / "data");
  node.start();
  // storescu will not even propose a SOP class it does not know, so a raw SCU does.
  DcmFileFormat ff;
  REQUIRE(ff.loadFile(inputs[0].c_str()).good());
  const auto r = raw_store(node.port(), *ff.getDataset(), "1.2.826.0.1.3680043.99999.1", "1.2.3.4");
  INFO(r.error);
  CHECK_FALSE(r.sent);
  CHECK_THAT(r.error, Catch::Contains("Rejected Permanent") && Catch::Contains("Service User") &&
                          Catch::Contains("No Reason"));
  CHECK(indexed_instances(node.database()).empty());
  CHECK(node.echo());
  CHECK(store(node.port(), inputs).exit_code == 0);
  CHECK(indexed_instances(node.database()).size() == 1);
  CHECK_THAT(association_results(node), Catch::Contains("no acceptable presentation context"));
  CHECK(node.stop() == 0);
}

TEST_CASE("beyond max_associations a new association is rejected as transient, local limit exceeded", "[refusals]") {
  TempDir dir;
  const auto inputs = make_inputs(dir.path() / "in", 30, 32, 1024, 1024);
  Node node(dir.path() / "data", NodeOptions{"max_associations = 1", "", "min_free_mb = 0", "auth = false", ""});
  node.start();
  Process busy(store_argv(node.port(), inputs), dir.path() / "busy.log");
  // Wait until the first association is open and storing.
  for (int i = 0; i < 1000 && indexed_instances(node.database()).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto second = echo(node.port(), "SECOND", "OSTEON");
  INFO(second.output);
  CHECK(second.exit_code != 0);
  CHECK_THAT(second.output, Catch::Contains("Rejected Transient") && Catch::Contains("Local Limit Exceeded"));
  CHECK(busy.wait_for(std::chrono::seconds(120)) == 0);
  CHECK(indexed_instances(node.database()).size() == inputs.size());
  CHECK(echo(node.port(), "SECOND", "OSTEON").exit_code == 0);
  CHECK(node.stop() == 0);
}
