// Real-world and malformed files from ../shared/corpus, sent one per association as a modality
// would: each is stored, or refused with a clear status; the node never goes down.
#include <catch2/catch.hpp>

#include "skip.hpp"

#include "ingest_fixture.hpp"
#include "node.hpp"

namespace fs = std::filesystem;
using namespace osteon::test;

namespace {
// The line that says why: a store response, a rejection reason or an error.
std::string refusal_line(const std::string& text) {
  for (const char* key : {"Received Store Response (", "Reason:", "E: ", "F: "}) {
    const auto pos = text.find(key);
    if (pos != std::string::npos) return text.substr(pos, text.find('\n', pos) - pos);
  }
  return "(no explanation)";
}

void send_each(const fs::path& corpus, bool must_store_readable) {
  TempDir dir;
  Node node(dir.path() / "data");
  node.start();
  std::string summary;
  int stored = 0;
  int refused = 0;
  for (const auto& file : files_in(corpus)) {
    const auto r = store(node.port(), {file}, "STORESCU", {"-v"});
    INFO(file.filename().string() << "\n" << r.output);
    REQUIRE(node.running());
    const std::string uid = sop_instance_uid(file);
    const auto rows = indexed_instances(node.database());
    const bool indexed = std::any_of(rows.begin(), rows.end(),
                                     [&](const auto& row) { return !uid.empty() && row.attributes.sop_instance_uid == uid; });
    if (r.exit_code == 0 && indexed) {
      ++stored;
      summary += "  stored   " + file.filename().string() + "\n";
    } else {
      summary += "  refused  " + file.filename().string() + ": " + refusal_line(r.output) + "\n";
      ++refused;
      // A refusal must be explained: by the node (an association rejection or a failure
      // status in the C-STORE response), or by storescu when it cannot read the file at all.
      const bool node_refused = r.output.find("Association Rejected") != std::string::npos ||
                                (r.output.find("Received Store Response (") != std::string::npos &&
                                 r.output.find("Received Store Response (Success)") == std::string::npos);
      const bool sender_refused = r.output.find("E: ") != std::string::npos || r.output.find("F: ") != std::string::npos;
      CHECK((node_refused || sender_refused));
      if (must_store_readable && !uid.empty()) CHECK(node_refused);
    }
  }
  INFO(node.log());
  CHECK(node.echo());
  require_spool_matches_index(node.data_dir());
  CHECK(node.stop() == 0);
  WARN(corpus.filename().string() << ": stored " << stored << ", refused " << refused << "\n" << summary);
}
} // namespace

TEST_CASE("every file of the real-world corpus is stored or refused with a clear status", "[corpus]") {
  const auto corpus = shared_corpus("dicom-real");
  if (!corpus) {
    OSTEON_SKIP("../shared/corpus/dicom-real absent");
    return;
  }
  send_each(*corpus, true);
}

TEST_CASE("every file of the odd corpus is stored or refused cleanly and the node survives", "[corpus]") {
  const auto corpus = shared_corpus("dicom-odd");
  if (!corpus) {
    OSTEON_SKIP("../shared/corpus/dicom-odd absent");
    return;
  }
  send_each(*corpus, false);
}
