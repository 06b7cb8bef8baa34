#include "osteon/app/config.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "osteon/core/duration.hpp"
#include "osteon/core/embedded.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/toml_reader.hpp"

namespace osteon::app {

namespace {

void read_node(const TomlValue& section, NodeConfig& into) {
  dimse::read_config(section, into, {"data_dir"});
  section.read("data_dir", into.data_dir);
}

void read_storage(const TomlValue& section, StorageConfig& into) {
  section.reject_unknown({"min_free_mb", "max_in_flight", "fsync"}, "storage");
  section.read("min_free_mb", into.min_free_mb);
  section.read("max_in_flight", into.max_in_flight);
  section.read("fsync", into.fsync);
}

void read_audit(const TomlValue& section, AuditConfig& into) {
  section.reject_unknown({"syslog_host", "syslog_port", "syslog_tls", "syslog_ca_file", "syslog_cert_file", "syslog_key_file"},
                         "audit");
  section.read("syslog_host", into.syslog_host);
  section.read("syslog_port", into.syslog_port);
  section.read("syslog_tls", into.syslog_tls);
  dimse::read_file_key(section, "syslog_ca_file", into.syslog_ca_file);
  dimse::read_file_key(section, "syslog_cert_file", into.syslog_cert_file);
  dimse::read_file_key(section, "syslog_key_file", into.syslog_key_file);
  if (!into.syslog_host.empty() && into.syslog_tls && into.syslog_ca_file.empty())
    section.at("syslog_host").fail("audit.syslog_tls needs audit.syslog_ca_file (the CA that signed the collector's certificate), "
                                   "or syslog_tls = false for plain TCP");
  if (into.syslog_cert_file.empty() != into.syslog_key_file.empty())
    section.fail("audit.syslog_cert_file and audit.syslog_key_file go together");
}

void read_duration(const TomlValue& section, const char* key, std::chrono::seconds& into) {
  if (!section.contains(key)) return;
  std::string text;
  section.read(key, text);
  try {
    into = parse_duration(text, fmt::format("retention.{}", key));
  } catch (const Error& e) {
    section.at(key).fail(e.what());
  }
}

void read_retention(const TomlValue& section, RetentionConfig& into) {
  section.reject_unknown({"enabled", "keep_after_done", "keep_unrouted", "keep_results", "keep_records",
                          "high_water_mb", "interval", "max_per_second"},
                         "retention");
  section.read("enabled", into.enabled);
  read_duration(section, "keep_after_done", into.keep_after_done);
  read_duration(section, "keep_unrouted", into.keep_unrouted);
  read_duration(section, "keep_results", into.keep_results);
  if (section.contains("keep_records")) {
    std::string text;
    section.read("keep_records", text);
    if (text.empty()) {
      into.keep_records.reset();
    } else {
      std::chrono::seconds d{};
      read_duration(section, "keep_records", d);
      into.keep_records = d;
    }
  }
  read_duration(section, "interval", into.interval);
  section.read("high_water_mb", into.high_water_mb);
  section.read("max_per_second", into.max_per_second);
}

} // namespace

Config parse_config(const std::string& text, const std::string& name, const std::string& base_dir) {
  const TomlValue root = TomlValue::parse(text, name, base_dir);
  Config c;
  c.source = name;
  root.reject_unknown(
      {"node", "security", "storage", "routing", "jobs", "delivery", "inference", "http", "audit", "retention", "log"},
      "top level");
  if (const auto t = root.section("node")) read_node(*t, c.node);
  if (const auto t = root.section("security")) dimse::read_config(*t, c.security);
  if (const auto t = root.section("storage")) read_storage(*t, c.storage);
  if (const auto t = root.section("routing")) routing::read_config(*t, c.routing);
  if (const auto t = root.section("jobs")) jobs::read_config(*t, c.jobs);
  if (const auto t = root.section("delivery")) delivery::read_config(*t, c.delivery);
  if (const auto t = root.section("inference")) inference::read_config(*t, c.inference);
  if (const auto t = root.section("http")) admin::read_config(*t, c.http);
  if (const auto t = root.section("audit")) read_audit(*t, c.audit);
  if (const auto t = root.section("retention")) read_retention(*t, c.retention);
  if (const auto t = root.section("log")) log::read_config(*t, c.log);
  validate(c);
  return c;
}

Config load_config_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(Errc::config_invalid, fmt::format("{}: cannot open configuration file", path.string()));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path.string(), std::filesystem::absolute(path).lexically_normal().parent_path().string());
}

std::optional<std::filesystem::path> default_config_file() {
  if (const char* env = std::getenv("OSTEON_CONFIG"); env != nullptr && *env != '\0') return std::filesystem::path(env);
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::filesystem::path system_config = "/etc/osteon/osteon.toml";
  if (!ec && exe.parent_path() == "/usr/bin" && std::filesystem::exists(system_config, ec)) return system_config;
  return std::nullopt;
}

Config load_config(const std::string& file) {
  if (!file.empty()) return load_config_file(file);
  if (const auto found = default_config_file()) return load_config_file(*found);
  return default_config();
}

Config default_config() {
  const auto& files = embedded::default_config();
  return parse_config(files.at(0).bytes, "<embedded osteon.toml>");
}

void validate(const Config& c) {
  const ConfigFail bad(c.source);
  dimse::validate(c.node, bad);
  if (c.node.data_dir.empty()) bad("node.data_dir must not be empty");
  if (c.storage.min_free_mb < 0) bad("storage.min_free_mb must not be negative");
  if (c.storage.max_in_flight < 1) bad("storage.max_in_flight must be at least 1");
  dimse::validate(c.security, bad);
  jobs::validate(c.jobs, bad);
  delivery::validate(c.delivery, bad);
  inference::validate(c.inference, bad);
  admin::validate(c.http, bad);
  log::validate(c.log, bad);
  if (!c.audit.syslog_host.empty() && (c.audit.syslog_port < 1 || c.audit.syslog_port > 65535))
    bad("audit.syslog_port must be 1 to 65535");
  if (c.retention.high_water_mb < 0) bad("retention.high_water_mb must not be negative");
  if (c.retention.high_water_mb > 0 && c.retention.high_water_mb < c.storage.min_free_mb)
    bad("retention.high_water_mb must be at least storage.min_free_mb (purging starts above the refusal threshold)");
  if (c.retention.interval.count() < 1) bad("retention.interval must be at least 1s");
  if (c.retention.max_per_second < 1) bad("retention.max_per_second must be at least 1");
}

std::int64_t high_water_bytes(const Config& c) {
  const std::int64_t mb = c.retention.high_water_mb > 0 ? c.retention.high_water_mb : 2 * c.storage.min_free_mb;
  return mb * 1024 * 1024;
}

} // namespace osteon::app
