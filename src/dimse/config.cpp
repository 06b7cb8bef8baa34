#include "osteon/dimse/config.hpp"

#include <fstream>
#include <utility>

#include <fmt/format.h>

#include "osteon/core/toml_reader.hpp"

namespace osteon::dimse {

void read_tls_profile(const TomlValue& table, std::string& profile) {
  if (!table.contains("tls_profile")) return;
  table.read("tls_profile", profile);
  if (profile != "bcp195-nd" && profile != "bcp195" && profile != "bcp195-ex") {
    table.at("tls_profile").fail(fmt::format("tls_profile '{}' is not one of bcp195-nd, bcp195, bcp195-ex", profile));
  }
}

void check_readable(const TomlValue& at, const char* key, const std::filesystem::path& path) {
  std::error_code ec;
  std::ifstream in(path, std::ios::binary);
  if (!in || std::filesystem::is_directory(path, ec)) {
    at.fail(fmt::format("{} '{}' does not exist or cannot be read", key, path.string()));
  }
}

void read_file_key(const TomlValue& table, const char* key, std::filesystem::path& into) {
  table.read(key, into);
  if (!into.empty()) check_readable(table.at(key), key, into);
}

void read_file_key(const TomlValue& table, const char* key, std::string& into) {
  std::filesystem::path path = into;
  read_file_key(table, key, path);
  into = path.string();
}

namespace {

// The TLS listener's keys of [node]: on when tls_cert_file is set.
void read_tls_listener(const TomlValue& node, ListenerConfig& into) {
  auto& tls = into.tls;
  tls.acceptor = true;
  node.read("tls_port", into.tls_port);
  node.read("tls_verify_peer", tls.verify_peer);
  read_tls_profile(node, tls.profile);
  read_file_key(node, "tls_cert_file", tls.cert_file);
  read_file_key(node, "tls_key_file", tls.key_file);
  read_file_key(node, "tls_ca_file", tls.ca_file);
  tls.enabled = !tls.cert_file.empty();
  tls.origin = node.where();
  if (!tls.enabled) {
    for (const char* key : {"tls_key_file", "tls_ca_file", "tls_port", "tls_profile", "tls_verify_peer"})
      if (node.contains(key)) node.at(key).fail(fmt::format("'{}' is set but tls_cert_file is not (the TLS listener is off)", key));
    return;
  }
  if (tls.key_file.empty()) node.at("tls_cert_file").fail("tls_cert_file needs tls_key_file (the certificate's private key)");
  if (tls.verify_peer && tls.ca_file.empty())
    node.at("tls_cert_file").fail("the TLS listener needs tls_ca_file: the CA certificates (PEM) that callers' certificates "
                                  "must chain to (or tls_verify_peer = false to accept callers without a certificate)");
}

} // namespace

void read_config(const TomlValue& node, ListenerConfig& into, const std::set<std::string>& other_keys) {
  std::set<std::string> known{"ae_title", "port", "max_associations", "max_pdu", "acse_timeout_s", "dimse_timeout_s",
                              "shutdown_grace_s", "plain", "tls_port", "tls_cert_file", "tls_key_file", "tls_ca_file",
                              "tls_profile", "tls_verify_peer"};
  known.insert(other_keys.begin(), other_keys.end());
  node.reject_unknown(known, "node");
  node.read("ae_title", into.ae_title);
  node.read("port", into.port);
  node.read("max_associations", into.max_associations);
  node.read("max_pdu", into.max_pdu);
  node.read("acse_timeout_s", into.acse_timeout_s);
  node.read("dimse_timeout_s", into.dimse_timeout_s);
  node.read("shutdown_grace_s", into.shutdown_grace_s);
  node.read("plain", into.plain);
  read_tls_listener(node, into);
}

void read_config(const TomlValue& section, SecurityConfig& into) {
  section.reject_unknown({"check_called_ae", "allowed_callers"}, "security");
  section.read("check_called_ae", into.check_called_ae);
  if (!section.contains("allowed_callers")) return;
  const auto& list = section.at("allowed_callers");
  if (!list.is_array()) list.fail("'allowed_callers' must be an array of tables");
  for (const auto& item : list.items()) {
    if (!item.is_table()) item.fail("each allowed caller must be a table { ae_title, host, subject }");
    item.reject_unknown({"ae_title", "host", "subject"}, "security.allowed_callers");
    AllowedCaller caller;
    item.read("ae_title", caller.ae_title);
    item.read("host", caller.host);
    item.read("subject", caller.subject);
    if (caller.ae_title.empty()) item.fail("an allowed caller needs an ae_title");
    into.allowed_callers.push_back(caller);
  }
}

void validate(const ListenerConfig& config, const ConfigFail& bad) {
  const auto& aet = config.ae_title;
  if (aet.empty() || aet.size() > 16) bad("node.ae_title must be 1 to 16 characters");
  for (char ch : aet) {
    if (ch == '\\' || static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) > 0x7e)
      bad("node.ae_title may contain printable ASCII except backslash");
  }
  if (aet.find_first_not_of(' ') == std::string::npos) bad("node.ae_title must not be blank");
  if (config.port < 1 || config.port > 65535) bad("node.port must be 1 to 65535");
  if (config.max_associations < 1 || config.max_associations > 1024) bad("node.max_associations must be 1 to 1024");
  if (config.max_pdu < 4096 || config.max_pdu > 131072) bad("node.max_pdu must be 4096 to 131072");
  if (config.acse_timeout_s < 1) bad("node.acse_timeout_s must be at least 1");
  if (config.dimse_timeout_s < 1) bad("node.dimse_timeout_s must be at least 1");
  if (config.shutdown_grace_s < 0) bad("node.shutdown_grace_s must not be negative");
  if (!config.plain && !config.tls.enabled)
    bad("node.plain = false turns the plain listener off, but no TLS listener is configured (node.tls_cert_file)");
  if (config.tls.enabled) {
    if (config.tls_port < 1 || config.tls_port > 65535) bad("node.tls_port must be 1 to 65535");
    if (config.plain && config.tls_port == config.port) bad("node.tls_port must differ from node.port");
  }
}

void validate(const SecurityConfig& config, const ConfigFail& bad) {
  for (const auto& caller : config.allowed_callers) {
    if (caller.ae_title.size() > 16) bad("security.allowed_callers: ae_title longer than 16");
  }
}

} // namespace osteon::dimse
