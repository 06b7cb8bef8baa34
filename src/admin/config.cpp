#include "osteon/admin/config.hpp"

#include <fmt/format.h>

#include "osteon/core/toml_reader.hpp"
#include "osteon/dimse/config.hpp"

namespace osteon::admin {

void read_config(const TomlValue& section, HttpSettings& into) {
  section.reject_unknown({"enabled", "bind", "port", "max_body_mb", "request_timeout_s", "idle_timeout_s", "threads",
                          "auth", "session_minutes", "lockout_failures", "lockout_minutes", "tls_cert_file", "tls_key_file",
                          "allow_plain_http", "osteonctl_manages_users"},
                         "http");
  section.read("enabled", into.enabled);
  section.read("bind", into.bind);
  section.read("port", into.port);
  if (section.contains("max_body_mb")) {
    std::int64_t mb = 0;
    section.read("max_body_mb", mb);
    if (mb < 1 || mb > 4096) section.at("max_body_mb").fail("http.max_body_mb must be 1 to 4096");
    into.max_body_bytes = mb << 20;
  }
  section.read("request_timeout_s", into.request_timeout_s);
  section.read("idle_timeout_s", into.idle_timeout_s);
  section.read("threads", into.threads);
  section.read("auth", into.auth);
  section.read("session_minutes", into.session_minutes);
  section.read("lockout_failures", into.lockout_failures);
  section.read("lockout_minutes", into.lockout_minutes);
  section.read("allow_plain_http", into.allow_plain_http);
  section.read("osteonctl_manages_users", into.osteonctl_manages_users);
  dimse::read_file_key(section, "tls_cert_file", into.tls_cert_file);
  dimse::read_file_key(section, "tls_key_file", into.tls_key_file);
  if (!into.tls_cert_file.empty() && into.tls_key_file.empty())
    section.at("tls_cert_file").fail("http.tls_cert_file needs http.tls_key_file (the certificate's private key)");
  if (into.tls_cert_file.empty() && !into.tls_key_file.empty())
    section.at("tls_key_file").fail("http.tls_key_file needs http.tls_cert_file");
}

void validate(const HttpSettings& config, const ConfigFail& bad) {
  if (!config.enabled) return;
  if (config.bind.empty()) bad("http.bind must be an IP address (127.0.0.1: this machine only; 0.0.0.0: every interface)");
  if (config.port < 0 || config.port > 65535) bad("http.port must be 0 to 65535 (0: any free port)");
  if (config.request_timeout_s < 1) bad("http.request_timeout_s must be at least 1");
  if (config.idle_timeout_s < 1) bad("http.idle_timeout_s must be at least 1");
  if (config.threads < 1 || config.threads > 64) bad("http.threads must be 1 to 64");
  const bool loopback = config.bind == "127.0.0.1" || config.bind == "::1" || config.bind == "localhost";
  if (!config.auth && !loopback)
    bad("http.auth = false leaves the console open to anyone who reaches it: only with bind = \"127.0.0.1\"");
  if (!loopback && !config.tls() && !config.allow_plain_http)
    bad(fmt::format("http.bind = \"{}\" without HTTPS would send passwords and patient data in the clear: set "
                    "http.tls_cert_file and http.tls_key_file (or allow_plain_http = true behind a TLS proxy)",
                    config.bind));
  if (config.session_minutes < 1) bad("http.session_minutes must be at least 1");
  if (config.lockout_failures < 1) bad("http.lockout_failures must be at least 1");
  if (config.lockout_minutes < 1) bad("http.lockout_minutes must be at least 1");
}

} // namespace osteon::admin
