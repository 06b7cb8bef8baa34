#include "osteon/admin/config.hpp"

#include "osteon/core/toml_reader.hpp"

namespace osteon::admin {

void read_config(const TomlValue& section, HttpSettings& into) {
  section.reject_unknown({"enabled", "bind", "port", "max_body_mb", "request_timeout_s", "idle_timeout_s", "threads"},
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
}

void validate(const HttpSettings& config, const ConfigFail& bad) {
  if (!config.enabled) return;
  if (config.bind.empty()) bad("http.bind must be an IP address (127.0.0.1: this machine only; 0.0.0.0: every interface)");
  if (config.port < 0 || config.port > 65535) bad("http.port must be 0 to 65535 (0: any free port)");
  if (config.request_timeout_s < 1) bad("http.request_timeout_s must be at least 1");
  if (config.idle_timeout_s < 1) bad("http.idle_timeout_s must be at least 1");
  if (config.threads < 1 || config.threads > 64) bad("http.threads must be 1 to 64");
}

} // namespace osteon::admin
