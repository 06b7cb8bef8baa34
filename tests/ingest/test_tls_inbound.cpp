// DICOM TLS inbound: the node's TLS listener ([node] tls_port, tls_cert_file, tls_key_file,
// tls_ca_file) with DCMTK's storescu +tls and echoscu +tls as the modality. A throwaway PKI is made
// with openssl for each run (support/pki.hpp). A trusted caller stores; an untrusted certificate,
// none, an expired one, a caller that does not trust the node (wrong CA) and plain TCP to the TLS
// port are all refused, each recorded as a rejected association with the reason, and the node
// keeps serving. Allow-lists may name the certificate subject.
#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "ingest_fixture.hpp"
#include "node.hpp"
#include "pki.hpp"

namespace fs = std::filesystem;
using namespace osteon::test;
using nlohmann::json;

namespace {

std::string quoted(const fs::path& p) { return "\"" + p.string() + "\""; }

json ctl_json(const Node& node, const std::vector<std::string>& args) {
  std::vector<std::string> argv{(binary_dir() / "osteonctl").string(), "--data-dir", node.data_dir().string(), "--json"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = run(argv);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.output);
}

json associations(const Node& node) { return ctl_json(node, {"associations"}); }

// echoscu over TLS with a client certificate (empty: none, anonymous TLS) trusting `ca`.
RunResult tls_echo(int port, const std::string& calling_ae, const std::pair<fs::path, fs::path>& cert, const fs::path& ca) {
  std::vector<std::string> argv{"echoscu", "-to", "5", "-aet", calling_ae, "-aec", "OSTEON"};
  if (cert.first.empty()) {
    argv.insert(argv.end(), {"+tla"});
  } else {
    argv.insert(argv.end(), {"+tls", cert.second.string(), cert.first.string()});
  }
  argv.insert(argv.end(), {"+cf", ca.string(), "127.0.0.1", std::to_string(port)});
  return run(argv, std::chrono::seconds(30));
}

} // namespace

TEST_CASE("DICOM TLS inbound: a trusted caller stores; no, untrusted or expired certificates, a caller that does not "
          "trust the node and plain TCP are refused and recorded; the node serves on",
          "[tls]") {
  TempDir dir;
  const Pki pki(dir.path() / "pki");
  const auto modality = pki.issue("modality");
  const auto stranger = pki.issue("stranger", true);  // signed by a CA the node does not trust
  const auto expired = pki.issue("expired", false, -1);
  const auto impostor = pki.issue("impostor");        // trusted, but not the subject MODALITY must have
  const int tls_port = free_port();
  NodeOptions options;
  options.node = "tls_port = " + std::to_string(tls_port) + "\ntls_cert_file = " + quoted(pki.server_cert) +
                 "\ntls_key_file = " + quoted(pki.server_key) + "\ntls_ca_file = " + quoted(pki.ca) + "\n";
  // MODALITY only over TLS with its own certificate; the others from anywhere.
  options.security = "allowed_callers = [ { ae_title = \"MODALITY\", subject = \"CN=modality\" }, "
                     "{ ae_title = \"ECHOSCU\" }, { ae_title = \"STORESCU\" } ]\n";
  Node node(dir.path() / "data", options);
  node.start();
  CHECK_THAT(node.log(), Catch::Contains("tls=true"));

  const auto files = make_inputs(dir.path() / "in", 3, 71);
  const std::vector<std::string> as_modality{"+tls", modality.second.string(), modality.first.string(), "+cf", pki.ca.string()};
  {  // the trusted caller stores over TLS; the association says so, with the certificate's subject
    const auto r = store(tls_port, files, "MODALITY", as_modality);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(indexed_instances(node.database()).size() == files.size());
    const auto a = associations(node).at(0);
    CHECK(a["transport"] == "tls");
    CHECK(a["peer_subject"] == "CN=modality");
    CHECK(a["stores_ok"] == 3);
    CHECK(tls_echo(tls_port, "ECHOSCU", modality, pki.ca).exit_code == 0);
  }

  struct Refusal {
    std::string what;
    RunResult result;
    std::string reason;  // in the rejected association's result
  };
  std::vector<Refusal> refusals;
  refusals.push_back({"a certificate from a CA the node does not trust", tls_echo(tls_port, "ECHOSCU", stranger, pki.ca),
                      "TLS handshake failed"});
  refusals.push_back({"no certificate (anonymous TLS)", tls_echo(tls_port, "ECHOSCU", {}, pki.ca), "TLS handshake failed"});
  refusals.push_back({"an expired certificate", tls_echo(tls_port, "ECHOSCU", expired, pki.ca), "expired"});
  refusals.push_back({"a caller that does not trust the node's certificate (wrong CA)",
                      tls_echo(tls_port, "ECHOSCU", modality, pki.other_ca), "TLS handshake failed"});
  refusals.push_back({"plain TCP to the TLS port",
                      run({"echoscu", "-to", "5", "-aet", "ECHOSCU", "-aec", "OSTEON", "127.0.0.1", std::to_string(tls_port)},
                          std::chrono::seconds(30)),
                      "TLS handshake failed"});
  refusals.push_back({"MODALITY with another trusted certificate than its own",
                      store(tls_port, files, "MODALITY", {"+tls", impostor.second.string(), impostor.first.string(), "+cf", pki.ca.string()}),
                      "certificate subject not allowed"});
  refusals.push_back({"MODALITY over plain TCP (its entry names a certificate subject)", store(node.port(), files, "MODALITY"),
                      "calling AE title not recognized"});
  for (const auto& r : refusals) {
    INFO(r.what << "\n" << r.result.output);
    CHECK(r.result.exit_code != 0);
    CHECK(node.running());
  }

  // Each refusal is a rejected association with its reason; nothing more was stored.
  const auto recorded = associations(node);
  for (const auto& r : refusals) {
    INFO(r.what);
    CHECK(std::any_of(recorded.begin(), recorded.end(), [&](const json& a) {
      const auto result = a["result"].get<std::string>();
      return result.rfind("rejected: ", 0) == 0 && result.find(r.reason) != std::string::npos;
    }));
  }
  const auto expired_row = std::find_if(recorded.begin(), recorded.end(), [](const json& a) {
    return a["result"].get<std::string>().find("expired") != std::string::npos;
  });
  REQUIRE(expired_row != recorded.end());
  CHECK((*expired_row)["transport"] == "tls");
  CHECK((*expired_row)["peer_host"] == "127.0.0.1");
  CHECK(indexed_instances(node.database()).size() == files.size());
  CHECK_THAT(node.log(), Catch::Contains("tls.handshake_failed"));

  // The audit trail: a security alert for each refusal, with its reason and the caller's address;
  // each stored instance transferred by MODALITY with its certificate subject and patient ID.
  const auto alerts = ctl_json(node, {"audit", "--event", "110113"});
  for (const auto& r : refusals) {
    INFO(r.what);
    CHECK(std::any_of(alerts.begin(), alerts.end(), [&](const json& a) {
      return a["outcome"] == 4 && a["event_type"] == "Node Authentication" && a["actor_host"] == "127.0.0.1" &&
             a["outcome_text"].get<std::string>().find(r.reason) != std::string::npos;
    }));
  }
  const auto stored = ctl_json(node, {"audit", "--event", "110104", "--actor", "MODALITY"});
  CHECK(stored.size() == files.size());
  for (const auto& a : stored) {
    CHECK(a["outcome"] == 0);
    CHECK(a["action"] == "C");
    CHECK(a["actor_subject"] == "CN=modality");
    CHECK(!a["patient_id"].get<std::string>().empty());
    CHECK(!a["study_uid"].get<std::string>().empty());
  }
  CHECK(ctl_json(node, {"audit", "--event", "110114", "--actor", "MODALITY"}).size() == 1);  // its association

  // The node serves on, on both ports.
  CHECK(tls_echo(tls_port, "ECHOSCU", modality, pki.ca).exit_code == 0);
  CHECK(node.echo());
  CHECK(node.stop() == 0);
}

TEST_CASE("TLS listener settings: missing or unusable files stop start-up naming the file and line; plain can be "
          "turned off",
          "[tls]") {
  TempDir dir;
  const Pki pki(dir.path() / "pki");
  const fs::path not_pem = dir.path() / "not-a-certificate.pem";
  std::ofstream(not_pem) << "this is not a certificate\n";
  struct Case {
    std::string node_keys;
    std::string message;
  };
  const std::string cert = "tls_cert_file = " + quoted(pki.server_cert) + "\n";
  const std::string key = "tls_key_file = " + quoted(pki.server_key) + "\n";
  const std::string ca = "tls_ca_file = " + quoted(pki.ca) + "\n";
  const std::vector<Case> cases{
      {cert + ca, "tls_cert_file needs tls_key_file"},
      {cert + key, "needs tls_ca_file"},
      {"tls_cert_file = \"/nonexistent/node.pem\"\n" + key + ca, "does not exist or cannot be read"},
      {"tls_cert_file = " + quoted(not_pem) + "\n" + key + ca, "cannot load tls_cert_file"},
      {cert + "tls_key_file = " + quoted(pki.client_key) + "\n" + ca, "is not the private key of tls_cert_file"},
      {cert + key + "tls_ca_file = " + quoted(not_pem) + "\n", "cannot load tls_ca_file"},
      {"plain = false\n", "no TLS listener is configured"},
      {ca, "'tls_ca_file' is set but tls_cert_file is not"},
  };
  int n = 0;
  for (const auto& c : cases) {
    const fs::path cfg = dir.path() / ("osteon" + std::to_string(++n) + ".toml");
    std::ofstream(cfg) << "[node]\nport = " << free_port() << "\ndata_dir = " << quoted(dir.path() / "data") << "\n"
                       << c.node_keys << "[storage]\nmin_free_mb = 0\n[http]\nport = 0\n";
    const auto r = run({(binary_dir() / "osteon").string(), "--config", cfg.string(), "--check-config"},
                       std::chrono::seconds(60));
    INFO(c.node_keys << "\n" << r.output);
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.output, Catch::Contains(cfg.string() + ":") && Catch::Contains(c.message));
  }

  // TLS only: nothing listens on the plain port.
  const int tls_port = free_port();
  NodeOptions options;
  options.node = "plain = false\ntls_port = " + std::to_string(tls_port) + "\n" + cert + key + ca;
  Node node(dir.path() / "tls-only", options);
  node.start();
  CHECK(tls_echo(tls_port, "ECHOSCU", {pki.client_cert, pki.client_key}, pki.ca).exit_code == 0);
  CHECK_FALSE(node.echo());
  CHECK(node.stop() == 0);
}
