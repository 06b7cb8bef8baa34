#include "osteon/dimse/config.hpp"

#include "osteon/core/toml_reader.hpp"

namespace osteon::dimse {

void read_config(const TomlValue& node, ListenerConfig& into, const std::set<std::string>& other_keys) {
  std::set<std::string> known{"ae_title", "port", "max_associations", "max_pdu",
                              "acse_timeout_s", "dimse_timeout_s", "shutdown_grace_s"};
  known.insert(other_keys.begin(), other_keys.end());
  node.reject_unknown(known, "node");
  node.read("ae_title", into.ae_title);
  node.read("port", into.port);
  node.read("max_associations", into.max_associations);
  node.read("max_pdu", into.max_pdu);
  node.read("acse_timeout_s", into.acse_timeout_s);
  node.read("dimse_timeout_s", into.dimse_timeout_s);
  node.read("shutdown_grace_s", into.shutdown_grace_s);
}

void read_config(const TomlValue& section, SecurityConfig& into) {
  section.reject_unknown({"check_called_ae", "allowed_callers"}, "security");
  section.read("check_called_ae", into.check_called_ae);
  if (!section.contains("allowed_callers")) return;
  const auto& list = section.at("allowed_callers");
  if (!list.is_array()) list.fail("'allowed_callers' must be an array of tables");
  for (const auto& item : list.items()) {
    if (!item.is_table()) item.fail("each allowed caller must be a table { ae_title, host }");
    item.reject_unknown({"ae_title", "host"}, "security.allowed_callers");
    AllowedCaller caller;
    item.read("ae_title", caller.ae_title);
    item.read("host", caller.host);
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
}

void validate(const SecurityConfig& config, const ConfigFail& bad) {
  for (const auto& caller : config.allowed_callers) {
    if (caller.ae_title.size() > 16) bad("security.allowed_callers: ae_title longer than 16");
  }
}

} // namespace osteon::dimse
