#include "pki.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <functional>
#include <tuple>

#include "process.hpp"

namespace fs = std::filesystem;

namespace osteon::test {

void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = run(argv);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
}

Pki::Pki(fs::path d) : dir(std::move(d)) {
  fs::create_directories(dir);
  ca = dir / "ca.pem";
  other_ca = dir / "other-ca.pem";
  make_ca("Osteon Test CA", ca, dir / "ca.key");
  make_ca("Some Other CA", other_ca, dir / "other-ca.key");
  std::ofstream(dir / "leaf.ext") << "basicConstraints = CA:FALSE\n"
                                     "keyUsage = critical, digitalSignature, keyEncipherment\n"
                                     "extendedKeyUsage = serverAuth, clientAuth\n"
                                     "subjectAltName = IP:127.0.0.1, DNS:localhost\n";
  std::tie(server_cert, server_key) = issue("pacs");
  std::tie(client_cert, client_key) = issue("osteon");
}

void Pki::make_ca(const std::string& name, const fs::path& cert, const fs::path& key) const {
  openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.string(), "-out", cert.string(), "-days",
           "2", "-subj", "/CN=" + name, "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
           "keyUsage=critical,keyCertSign,cRLSign"});
}

std::pair<fs::path, fs::path> Pki::issue(const std::string& name, bool by_other_ca, int days) const {
  const fs::path key = dir / (name + ".key");
  const fs::path csr = dir / (name + ".csr");
  const fs::path cert = dir / (name + ".pem");
  openssl({"req", "-newkey", "rsa:2048", "-nodes", "-keyout", key.string(), "-out", csr.string(), "-subj",
           "/CN=" + name});
  const fs::path signer = by_other_ca ? other_ca : ca;
  const fs::path signer_key = dir / (by_other_ca ? "other-ca.key" : "ca.key");
  openssl({"x509", "-req", "-in", csr.string(), "-CA", signer.string(), "-CAkey", signer_key.string(), "-set_serial",
           "0x" + std::to_string(std::hash<std::string>{}(name) & 0xFFFFFFFF), "-days", std::to_string(days), "-out",
           cert.string(), "-extfile", (dir / "leaf.ext").string()});
  return {cert, key};
}

} // namespace osteon::test
