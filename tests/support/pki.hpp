#pragma once
// A throwaway PKI for TLS tests, made with the openssl command in a temporary directory at run
// time (no key is ever part of the repository): a test CA, a server certificate ("pacs", also the
// node's own on its TLS listener) and a client certificate ("osteon") signed by it, and an
// unrelated CA that signs only the certificates a test asks it for.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace osteon::test {

/// Runs `openssl args...`; REQUIREs success.
void openssl(const std::vector<std::string>& args);

struct Pki {
  std::filesystem::path dir;
  std::filesystem::path ca;
  std::filesystem::path server_cert;
  std::filesystem::path server_key;
  std::filesystem::path client_cert;
  std::filesystem::path client_key;
  std::filesystem::path other_ca;

  explicit Pki(std::filesystem::path d);

  /// A leaf certificate and key for CN=`name` (server and client use, 127.0.0.1/localhost),
  /// signed by the test CA or by the other CA, valid for `days` from now (negative: expired,
  /// its notAfter in the past).
  std::pair<std::filesystem::path, std::filesystem::path> issue(const std::string& name, bool by_other_ca = false,
                                                                int days = 2) const;

 private:
  void make_ca(const std::string& name, const std::filesystem::path& cert, const std::filesystem::path& key) const;
};

} // namespace osteon::test
