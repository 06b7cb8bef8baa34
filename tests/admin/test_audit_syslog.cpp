// The audit trail forwarded to a syslog collector ([audit] syslog_host, TLS): every event arrives
// once, as RFC 5424 with octet counting, its body a DICOM audit message (valid against
// tests/admin/dicom_audit_message.rng, our transcription of PS3.15 A.5.1's structure); events made
// while the collector is down arrive when it is back; a collector the CA did not sign gets nothing.
// The collector is tests/admin/syslog_collector.py (Debian's python3).
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "node.hpp"
#include "node_with_pacs.hpp"
#include "pki.hpp"

namespace fs = std::filesystem;
using namespace osteon::test;
using nlohmann::json;

namespace {

std::string toml_string(const fs::path& p) { return "\"" + p.string() + "\""; }

std::vector<fs::path> messages(const fs::path& dir) {
  std::vector<fs::path> out;
  if (fs::exists(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".msg") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t audit_rows(const Node& node) {
  const auto r = run({(binary_dir() / "osteonctl").string(), "--data-dir", node.data_dir().string(), "--json", "audit"});
  REQUIRE(r.exit_code == 0);
  return json::parse(r.output).size();
}

std::unique_ptr<Process> collector(int port, const fs::path& out, const Pki& pki, const fs::path& log) {
  auto p = std::make_unique<Process>(
      std::vector<std::string>{"python3", (fs::path(OSTEON_SOURCE_DIR) / "tests" / "admin" / "syslog_collector.py").string(),
                               std::to_string(port), out.string(), "--cert", pki.server_cert.string(), "--key",
                               pki.server_key.string()},
      log);
  REQUIRE(listening(port));
  return p;
}

} // namespace

TEST_CASE("the audit trail goes to a syslog collector over TLS: each event once, as a DICOM audit message; none lost "
          "while it is down; an untrusted collector gets nothing",
          "[syslog]") {
  TempDir dir;
  const Pki pki(dir.path() / "pki");
  const int port = free_port();
  const fs::path received = dir.path() / "received";
  auto syslog = collector(port, received, pki, dir.path() / "collector.log");
  const std::string audit_section = "[audit]\nsyslog_host = \"127.0.0.1\"\nsyslog_port = " + std::to_string(port) +
                                    "\nsyslog_ca_file = " + toml_string(pki.ca) + "\n";
  Node node(dir.path() / "data", {}, audit_section);
  node.start();
  CHECK(node.echo());
  CHECK_FALSE(node.echo("ECHOSCU", "SOMEONE_ELSE"));  // refused: a security alert
  REQUIRE(eventually([&] { return messages(received).size() == audit_rows(node); }, std::chrono::seconds(30)));

  // The collector goes away; the events made meanwhile wait and arrive when it is back, once each.
  syslog.reset();
  CHECK(node.echo());
  CHECK(node.echo());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  syslog = collector(port, received, pki, dir.path() / "collector2.log");
  REQUIRE(eventually([&] { return messages(received).size() == audit_rows(node); }, std::chrono::seconds(60)));
  CHECK(node.stop() == 0);
  const bool all_sent = eventually([&] { return messages(received).size() == audit_rows(node); }, std::chrono::seconds(30));
  INFO("messages " << messages(received).size() << ", audit rows " << audit_rows(node) << "\n" << node.log());
  REQUIRE(all_sent);
  CHECK_THAT(node.log(), Catch::Contains("audit.forwarding_failed") && Catch::Contains("audit.forwarding_resumed"));

  // Each message: RFC 5424 header, then (after a BOM) a well-formed DICOM audit message.
  const std::regex header(R"(^<8[45]>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+ osteon \d+ IHE\+RFC-3881 - \xEF\xBB\xBF<\?xml )");
  std::set<std::string> bodies;
  std::map<std::string, int> events;
  for (const auto& file : messages(received)) {
    std::ifstream in(file, std::ios::binary);
    const std::string message((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO(file << "\n" << message);
    CHECK(std::regex_search(message, header));
    const auto xml_at = message.find("<?xml");
    REQUIRE(xml_at != std::string::npos);
    const auto xml = message.substr(xml_at);
    CHECK(bodies.insert(xml).second);  // no event twice
    const fs::path xml_file = file.string() + ".xml";
    std::ofstream(xml_file) << xml;
    // Well-formed, and in the structure of PS3.15 A.5.1 (our RELAX NG transcription of it).
    const auto lint = run({"xmllint", "--noout", "--relaxng",
                           (fs::path(OSTEON_SOURCE_DIR) / "tests" / "admin" / "dicom_audit_message.rng").string(),
                           xml_file.string()});
    INFO(lint.output);
    CHECK(lint.exit_code == 0);
    std::smatch id;
    if (std::regex_search(xml, id, std::regex(R"re(<EventID csd-code="(\d+)")re"))) events[id[1]]++;
    CHECK(xml.find("PHANTOM^") == std::string::npos);
  }
  CHECK(events["110100"] >= 3);  // start, configuration, stop
  CHECK(events["110114"] == 3);  // the three echo associations
  CHECK(events["110113"] == 1);  // the refused one
  const auto all = [&] {
    std::string s;
    for (const auto& b : bodies) s += b;
    return s;
  }();
  CHECK_THAT(all, Catch::Contains(R"re(EventOutcomeIndicator="4")re") && Catch::Contains("Node Authentication") &&
                      Catch::Contains(R"re(NetworkAccessPointID="127.0.0.1")re") && Catch::Contains("Application Stop"));

  // A collector whose certificate the configured CA did not sign: nothing is sent to it.
  const fs::path other = dir.path() / "other";
  const std::string wrong_ca = "[audit]\nsyslog_host = \"127.0.0.1\"\nsyslog_port = " + std::to_string(port) +
                               "\nsyslog_ca_file = " + toml_string(pki.other_ca) + "\n";
  const auto before = messages(received).size();
  Node untrusting(dir.path() / "untrusting", {}, wrong_ca);
  untrusting.start();
  REQUIRE(eventually([&] { return untrusting.log().find("audit.forwarding_failed") != std::string::npos; },
                     std::chrono::seconds(30)));
  CHECK_THAT(untrusting.log(), Catch::Contains("unable to get local issuer certificate"));
  CHECK(untrusting.stop() == 0);
  CHECK(messages(received).size() == before);
}
