// The console over HTTPS: [http] tls_cert_file and tls_key_file (a certificate made with openssl
// for the run, support/pki.hpp). curl trusting the test CA gets the page and logs in (the session
// cookie is Secure); plain HTTP to the HTTPS port and a client that does not trust the certificate
// get nothing, and the node serves on. Plain HTTP on a public address needs HTTPS or an explicit
// allow_plain_http; unusable certificate files stop start-up naming them.
#include <catch2/catch.hpp>

#include <fstream>

#include "node.hpp"
#include "node_with_pacs.hpp"
#include "pki.hpp"

namespace fs = std::filesystem;
using namespace osteon::test;

namespace {
std::string quoted(const fs::path& p) { return "\"" + p.string() + "\""; }
} // namespace

TEST_CASE("the console over HTTPS: trusted clients only see it, the session cookie is Secure, plain HTTP gets "
          "nothing; settings are checked",
          "[https]") {
  TempDir dir;
  const Pki pki(dir.path() / "pki");
  NodeOptions options;
  options.http = "tls_cert_file = " + quoted(pki.server_cert) + "\ntls_key_file = " + quoted(pki.server_key) + "\n";
  Node node(dir.path() / "data", options);
  node.start();
  CHECK_THAT(node.log(), Catch::Contains("https=true"));
  const auto url = [&](const std::string& scheme, const std::string& path) {
    return scheme + "://127.0.0.1:" + std::to_string(node.http_port()) + path;
  };
  REQUIRE(run({"sh", "-c", "printf 'a long enough password\\n' | '" + (binary_dir() / "osteonctl").string() +
                               "' --data-dir '" + node.data_dir().string() + "' user add ada --role admin"})
              .exit_code == 0);

  const auto page = run({"curl", "-sS", "-i", "--cacert", pki.ca.string(), url("https", "/")});
  INFO(page.output);
  CHECK(page.exit_code == 0);
  CHECK_THAT(page.output, Catch::Contains("HTTP/1.1 200") && Catch::Contains("Strict-Transport-Security") &&
                              Catch::Contains("not for primary diagnosis"));
  const auto login = run({"curl", "-sS", "-i", "--cacert", pki.ca.string(), "-H", "Content-Type: application/json",
                          "--data-binary", R"({"user": "ada", "password": "a long enough password"})",
                          url("https", "/api/v1/login")});
  CHECK_THAT(login.output, Catch::Contains("HTTP/1.1 200") && Catch::Contains("; Secure"));
  CHECK(run({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", pki.ca.string(),
             url("https", "/api/v1/studies")})
            .output == "401");

  // Not trusted, or not TLS: no answer; the node serves on.
  CHECK(run({"curl", "-sS", "--cacert", pki.other_ca.string(), url("https", "/healthz")}).exit_code != 0);
  const auto plain = run({"curl", "-sS", "--max-time", "10", url("http", "/healthz")});
  CHECK(plain.exit_code != 0);
  CHECK(plain.output.find("alive") == std::string::npos);
  CHECK(run({"curl", "-sS", "--cacert", pki.ca.string(), url("https", "/healthz")}).output.find("alive") != std::string::npos);
  // Both failed handshakes are security alerts in the audit trail, with the client's address.
  CHECK(eventually([&] {
    const auto alerts = run({(binary_dir() / "osteonctl").string(), "--data-dir", node.data_dir().string(), "audit",
                             "--event", "110113"});
    std::size_t n = 0;
    for (auto at = alerts.output.find("HTTPS handshake failed"); at != std::string::npos;
         at = alerts.output.find("HTTPS handshake failed", at + 1))
      ++n;
    return n >= 2 && alerts.output.find("127.0.0.1") != std::string::npos;
  }));
  CHECK(node.stop() == 0);

  // Settings: plain HTTP on every interface needs HTTPS or allow_plain_http; files are checked.
  struct Case {
    std::string http;
    std::string message;
  };
  const fs::path not_pem = dir.path() / "not-a-certificate.pem";
  std::ofstream(not_pem) << "this is not a certificate\n";
  const std::vector<Case> cases{
      {"bind = \"0.0.0.0\"\n", "without HTTPS"},
      {"bind = \"0.0.0.0\"\nauth = false\nallow_plain_http = true\n", "auth = false"},
      {"tls_cert_file = " + quoted(pki.server_cert) + "\n", "needs http.tls_key_file"},
      {"tls_cert_file = \"/nonexistent/cert.pem\"\ntls_key_file = " + quoted(pki.server_key) + "\n",
       "does not exist or cannot be read"},
      // and the audit trail's collector ([audit], after [http] here)
      {"[audit]\nsyslog_host = \"127.0.0.1\"\n", "needs audit.syslog_ca_file"},
      {"[audit]\nsyslog_host = \"127.0.0.1\"\nsyslog_tls = false\nsyslog_port = 0\n", "audit.syslog_port must be 1 to 65535"},
      {"[audit]\nsyslog_host = \"127.0.0.1\"\nsyslog_ca_file = \"/nonexistent/ca.pem\"\n", "does not exist or cannot be read"},
  };
  int n = 0;
  for (const auto& c : cases) {
    const fs::path cfg = dir.path() / ("osteon" + std::to_string(++n) + ".toml");
    std::ofstream(cfg) << "[node]\nport = " << free_port() << "\ndata_dir = " << quoted(dir.path() / "cfg") << "\n[storage]\n"
                       << "min_free_mb = 0\n[http]\nport = 0\n" << c.http;
    const auto r = run({(binary_dir() / "osteon").string(), "--config", cfg.string(), "--check-config"});
    INFO(c.http << r.output);
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.output, Catch::Contains(c.message));
  }
  // allow_plain_http behind a TLS proxy is accepted; a certificate file that is not one stops start-up.
  const fs::path ok = dir.path() / "proxy.toml";
  std::ofstream(ok) << "[node]\nport = " << free_port() << "\ndata_dir = " << quoted(dir.path() / "cfg")
                    << "\n[http]\nbind = \"0.0.0.0\"\nallow_plain_http = true\n";
  CHECK(run({(binary_dir() / "osteon").string(), "--config", ok.string(), "--check-config"}).exit_code == 0);
  const fs::path bad = dir.path() / "bad.toml";
  std::ofstream(bad) << "[node]\nport = " << free_port() << "\ndata_dir = " << quoted(dir.path() / "bad")
                     << "\n[storage]\nmin_free_mb = 0\n[http]\nport = 0\ntls_cert_file = " << quoted(not_pem)
                     << "\ntls_key_file = " << quoted(pki.server_key) << "\n";
  const auto refused = run({(binary_dir() / "osteon").string(), "--config", bad.string()}, std::chrono::seconds(60));
  INFO(refused.output);
  CHECK(refused.exit_code != 0);
  CHECK_THAT(refused.output, Catch::Contains("http.tls_cert_file") && Catch::Contains(not_pem.string()));
}
