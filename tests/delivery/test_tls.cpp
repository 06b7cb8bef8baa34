// Delivery over TLS: the [delivery] TLS keys, and the real node sending its results to DCMTK's
// storescp +tls as the PACS. A throwaway CA and certificates are made with the openssl command
// in a temporary directory for each run (support/pki.hpp); no key is ever part of the repository.
#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <set>
#include <thread>
#include <tuple>

#include "node_with_pacs.hpp"
#include "pki.hpp"
#include "osteon/app/config.hpp"
#include "osteon/core/error.hpp"

namespace fs = std::filesystem;
using namespace osteon::test;
using nlohmann::json;

namespace {

// DCMTK's storescp as a TLS PACS that requires and verifies a client certificate.
struct TlsPacs {
  int port = free_port();
  fs::path received;
  std::unique_ptr<Process> process;

  TlsPacs(const Pki& pki, const fs::path& dir) : received(dir / "received") {
    fs::create_directories(received);
    process = std::make_unique<Process>(
        std::vector<std::string>{"storescp", "-aet", "TLSPACS", "+tls", pki.server_key.string(),
                                 pki.server_cert.string(), "+cf", pki.ca.string(), "--require-peer-cert", "-od",
                                 received.string(), std::to_string(port)},
        dir / "storescp.log");
    REQUIRE(listening(port));
  }
  /// The node's known peer for it, with the TLS keys of that entry.
  PacsPeer peer(const std::string& tls_keys) const { return {"TLSPACS", port, tls_keys}; }
  std::set<std::string> received_uids() const {
    std::set<std::string> out;
    for (const auto& f : files_in(received)) out.insert(sop_instance_uid(f));
    return out;
  }
};

std::string quoted(const fs::path& p) { return "\"" + p.string() + "\""; }

std::string message_of(const std::string& toml) {
  try {
    osteon::app::parse_config(toml, "site.toml");
  } catch (const osteon::Error& e) {
    CHECK(e.code() == osteon::Errc::config_invalid);
    return e.what();
  }
  return "no error";
}

// Starts the node, sends it one hand phantom and waits until the deliveries of its results are
// delivered or failed; whether they were.
bool send_one_hand(NodeWithPacs& fixture, const fs::path& dir, unsigned seed) {
  const auto files = make_phantoms(dir / "hand", "hand", 1, seed).files;
  fixture.node().start();
  fixture.send(files);
  return fixture.wait_for_deliveries(delivered_or_failed);
}

} // namespace

TEST_CASE("TLS settings of destinations and known peers: defaults from [delivery], errors name the file and line",
          "[tls_config]") {
  TempDir dir;
  const fs::path ca = dir.path() / "ca.pem";
  const fs::path cert = dir.path() / "node.pem";
  const fs::path key = dir.path() / "node.key";
  for (const auto& f : {ca, cert, key}) std::ofstream(f) << "placeholder\n";

  const auto c = osteon::app::parse_config(
      "[delivery]\ntls_profile = \"bcp195\"\ntls_cert_file = " + quoted(cert) + "\ntls_key_file = " + quoted(key) +
          "\ndestinations = [\n  { name = \"pacs\", ae_title = \"PACS\", host = \"10.0.0.5\", tls = true, "
          "tls_ca_file = " +
          quoted(ca) +
          " },\n  { name = \"plain\", ae_title = \"OLD\", host = \"10.0.0.6\" },\n]\nknown_peers = [ { calling_ae = "
          "\"CR1\", host = \"10.0.0.7\", tls = true, tls_ca_file = " +
          quoted(ca) + ", tls_profile = \"bcp195-ex\" } ]\n",
      "site.toml");
  REQUIRE(c.delivery.destinations.size() == 2);
  const auto& tls = c.delivery.destinations[0].tls;
  CHECK(tls.enabled);
  CHECK(tls.ca_file == ca);
  CHECK(tls.cert_file == cert);  // from [delivery]
  CHECK(tls.key_file == key);
  CHECK(tls.profile == "bcp195");
  CHECK(tls.origin == "site.toml:6");
  CHECK_FALSE(c.delivery.destinations[1].tls.enabled);
  REQUIRE(c.delivery.known_peers.size() == 1);
  CHECK(c.delivery.known_peers[0].tls.enabled);
  CHECK(c.delivery.known_peers[0].tls.profile == "bcp195-ex");
  CHECK(osteon::app::default_config().delivery.tls_profile == "bcp195-nd");

  const std::string entry = "destinations = [ { name = \"pacs\", ae_title = \"PACS\", host = \"h\"";
  const std::string pacs = "[delivery]\n" + entry;
  CHECK_THAT(message_of(pacs + ", tls = true } ]\n"),
             Catch::Contains("site.toml:2") && Catch::Contains("needs tls_ca_file"));
  CHECK_THAT(message_of(pacs + ", tls = true, tls_ca_file = \"/nonexistent/ca.pem\" } ]\n"),
             Catch::Contains("site.toml:2") && Catch::Contains("/nonexistent/ca.pem") &&
                 Catch::Contains("does not exist or cannot be read"));
  CHECK_THAT(message_of("[delivery]\n\ntls_ca_file = \"/nonexistent/ca.pem\"\n" + entry + ", tls = true } ]\n"),
             Catch::Contains("site.toml:3") && Catch::Contains("/nonexistent/ca.pem"));
  CHECK_THAT(message_of(pacs + ", tls_ca_file = " + quoted(ca) + " } ]\n"),
             Catch::Contains("site.toml:2") && Catch::Contains("tls is not true"));
  CHECK_THAT(message_of(pacs + ", tls = true, tls_ca_file = " + quoted(ca) + ", tls_cert_file = " + quoted(cert) +
                        " } ]\n"),
             Catch::Contains("site.toml:2") && Catch::Contains("tls_cert_file needs tls_key_file"));
  CHECK_THAT(message_of(pacs + ", tls = true, tls_ca_file = " + quoted(ca) + ", tls_profile = \"tls1.0\" } ]\n"),
             Catch::Contains("site.toml:2") && Catch::Contains("tls_profile 'tls1.0'"));
  CHECK_THAT(message_of("[delivery]\ntls_profile = \"none\"\n"), Catch::Contains("site.toml:2"));
  CHECK_THAT(message_of("[delivery]\nknown_peers = [ { calling_ae = \"CR1\", host = \"h\", tls = \"yes\" } ]\n"),
             Catch::Contains("site.toml:2") && Catch::Contains("'tls' has the wrong type"));
}

TEST_CASE("TLS files that cannot be used stop the node at start-up, naming the configuration line", "[tls_config]") {
  TempDir dir;
  const Pki pki(dir.path() / "pki");
  const fs::path not_pem = dir.path() / "not-a-certificate.pem";
  std::ofstream(not_pem) << "this is not a certificate\n";
  struct Case {
    std::string keys;
    std::string message;
    fs::path file;
  };
  const std::vector<Case> cases{
      {"tls_ca_file = " + quoted(not_pem), "cannot load tls_ca_file", not_pem},
      {"tls_ca_file = " + quoted(pki.ca) + ", tls_cert_file = " + quoted(pki.client_cert) +
           ", tls_key_file = " + quoted(pki.server_key),
       "is not the private key of tls_cert_file", pki.server_key},
      {"tls_ca_file = " + quoted(pki.ca) + ", tls_cert_file = " + quoted(not_pem) + ", tls_key_file = " +
           quoted(pki.client_key),
       "cannot load tls_cert_file", not_pem},
  };
  int n = 0;
  for (const auto& c : cases) {
    const fs::path cfg = dir.path() / ("osteon" + std::to_string(++n) + ".toml");
    std::ofstream(cfg) << "[node]\nport = " << free_port() << "\ndata_dir = " << quoted(dir.path() / "data")
                       << "\n[storage]\nmin_free_mb = 0\n[delivery]\nknown_peers = [ { calling_ae = \"CR1\", host = "
                          "\"127.0.0.1\", port = 104, tls = true, "
                       << c.keys << " } ]\n[http]\nport = 0\n";
    const auto r = run({(binary_dir() / "osteon").string(), "--config", cfg.string()}, std::chrono::seconds(60));
    INFO(r.output);
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.output, Catch::Contains(cfg.string() + ":7") && Catch::Contains(c.message) &&
                             Catch::Contains(c.file.string()));
  }
}

TEST_CASE("the node delivers its results over TLS to a PACS that requires and verifies its certificate",
          "[tls_delivery]") {
  TempDir dir;
  const Pki pki(dir.path() / "pki");
  TlsPacs pacs(pki, dir.path() / "pacs");
  // The node's certificate is the [delivery] default; the peer names the CA it must be signed by.
  NodeWithPacs fixture(dir.path(),
                       "retry_base_s = 1\ntls_cert_file = " + quoted(pki.client_cert) +
                           "\ntls_key_file = " + quoted(pki.client_key) + "\n",
                       pacs.peer(", tls = true, tls_ca_file = " + quoted(pki.ca)));
  Node& node = fixture.node();
  const bool settled = send_one_hand(fixture, dir.path(), 7501);
  const json& deliveries = fixture.deliveries();
  INFO(fixture.jobs().dump(1));
  INFO(deliveries.dump(1));
  INFO(node.log());
  INFO(read_file(dir.path() / "pacs" / "storescp.log"));
  REQUIRE(settled);
  REQUIRE_FALSE(deliveries.empty());
  std::set<std::string> delivered;
  for (const auto& d : deliveries) {
    CHECK(d["state"] == "delivered");
    delivered.insert(d["sop_instance_uid"].get<std::string>());
  }
  CHECK(pacs.received_uids() == delivered);
  CHECK(node.stop() == 0);
}

TEST_CASE("a PACS whose certificate the configured CA did not sign: the delivery fails at once, saying why, and is "
          "not retried",
          "[tls_untrusted]") {
  TempDir dir;
  const Pki pki(dir.path() / "pki");
  TlsPacs pacs(pki, dir.path() / "pacs");
  NodeWithPacs fixture(dir.path(), "retry_base_s = 1\nretry_cap_s = 1\n",
                       pacs.peer(", tls = true, tls_ca_file = " + quoted(pki.other_ca) + ", tls_cert_file = " +
                                 quoted(pki.client_cert) + ", tls_key_file = " + quoted(pki.client_key)));
  Node& node = fixture.node();
  const bool settled = send_one_hand(fixture, dir.path(), 7601);
  INFO(fixture.deliveries().dump(1));
  INFO(node.log());
  REQUIRE(settled);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // past the retry delay: nothing more happens
  const json deliveries = fixture.ctl({"deliveries"});
  for (const auto& d : deliveries) {
    CHECK(d["state"] == "failed");
    CHECK(d["attempts"].get<int>() == 1);
    CHECK_THAT(d["last_error"].get<std::string>(), Catch::Contains("TLS handshake failed") &&
                                                       Catch::Contains("not trusted by tls_ca_file") &&
                                                       Catch::Contains("certificate /CN="));
  }
  CHECK(pacs.received_uids().empty());
  CHECK(node.stop() == 0);
}

TEST_CASE("a PACS that requires a client certificate the node does not present: the delivery fails, saying why",
          "[tls_client_refused]") {
  TempDir dir;
  const Pki pki(dir.path() / "pki");
  TlsPacs pacs(pki, dir.path() / "pacs");
  // With TLS 1.3 the refusal comes as an alert after our side of the handshake; a reset
  // connection may come first, which is retried until the alert is seen.
  NodeWithPacs fixture(dir.path(), "retry_base_s = 1\nretry_cap_s = 1\nmax_attempts = 50\n",
                       pacs.peer(", tls = true, tls_ca_file = " + quoted(pki.ca)));
  Node& node = fixture.node();
  const bool settled = send_one_hand(fixture, dir.path(), 7701);
  const json& deliveries = fixture.deliveries();
  INFO(deliveries.dump(1));
  INFO(node.log());
  REQUIRE(settled);
  for (const auto& d : deliveries) {
    CHECK(d["state"] == "failed");
    CHECK(d["attempts"].get<int>() < 50);  // ended by the alert, not by giving up
    CHECK_THAT(d["last_error"].get<std::string>(),
               Catch::Contains("refused the TLS session") && Catch::Contains("certificate required"));
  }
  CHECK(pacs.received_uids().empty());
  CHECK(node.stop() == 0);
}
