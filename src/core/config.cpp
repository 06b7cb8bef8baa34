#include "osteon/core/config.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "osteon/core/embedded.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/toml_reader.hpp"

namespace osteon {

namespace {

// A TLS file key and the value it was read from (nullptr: not set, or set to "").
struct TlsFile {
  std::filesystem::path path;
  std::optional<TomlValue> at;
  const char* key = "";
};

TlsFile tls_file(const TomlValue& table, const char* key) {
  TlsFile f;
  f.key = key;
  table.read(key, f.path);
  if (!f.path.empty()) f.at = table.at(key);
  return f;
}

// The [delivery] tls_* keys: defaults for every destination and known peer with tls = true.
struct TlsDefaults {
  TlsFile ca;
  TlsFile cert;
  TlsFile key;
  std::string profile = "bcp195-nd";
};

void check_tls_profile(const TomlValue& table, std::string& profile) {
  table.read("tls_profile", profile);
  if (profile != "bcp195-nd" && profile != "bcp195" && profile != "bcp195-ex") {
    table.at("tls_profile").fail(fmt::format("tls_profile '{}' is not one of bcp195-nd, bcp195, bcp195-ex", profile));
  }
}

void check_readable(const TlsFile& f) {
  std::error_code ec;
  std::ifstream in(f.path, std::ios::binary);
  if (!in || std::filesystem::is_directory(f.path, ec)) {
    f.at->fail(fmt::format("{} '{}' does not exist or cannot be read", f.key, f.path.string()));
  }
}

TlsDefaults read_tls_defaults(const TomlValue& delivery) {
  TlsDefaults d;
  if (delivery.contains("tls_profile")) check_tls_profile(delivery, d.profile);
  d.ca = tls_file(delivery, "tls_ca_file");
  d.cert = tls_file(delivery, "tls_cert_file");
  d.key = tls_file(delivery, "tls_key_file");
  if (d.cert.at && !d.key.at) d.cert.at->fail("tls_cert_file needs tls_key_file (the certificate's private key)");
  if (d.key.at && !d.cert.at) d.key.at->fail("tls_key_file needs tls_cert_file");
  return d;
}

// tls, tls_ca_file, tls_cert_file, tls_key_file, tls_profile of one destination or known peer.
TlsSettings read_tls(const TomlValue& item, const TlsDefaults& d) {
  TlsSettings s;
  item.read("tls", s.enabled);
  TlsFile ca = tls_file(item, "tls_ca_file");
  TlsFile cert = tls_file(item, "tls_cert_file");
  TlsFile key = tls_file(item, "tls_key_file");
  if (!s.enabled) {
    // Certificates without tls = true would silently send in the clear: say so.
    for (const TlsFile* f : {&ca, &cert, &key}) {
      if (f->at) f->at->fail(fmt::format("'{}' is set but tls is not true", f->key));
    }
    if (item.contains("tls_profile")) item.at("tls_profile").fail("'tls_profile' is set but tls is not true");
    return s;
  }
  s.origin = item.where();
  s.profile = d.profile;
  if (item.contains("tls_profile")) check_tls_profile(item, s.profile);
  if (!ca.at) ca = d.ca;
  if (!ca.at) {
    item.fail("tls = true needs tls_ca_file (here or in [delivery]): the CA or peer certificates (PEM) that the "
               "peer's certificate is verified against");
  }
  if (cert.at && !key.at) cert.at->fail("tls_cert_file needs tls_key_file (the certificate's private key)");
  if (key.at && !cert.at) key.at->fail("tls_key_file needs tls_cert_file");
  if (!cert.at) {
    cert = d.cert;
    key = d.key;
  }
  check_readable(ca);
  s.ca_file = ca.path;
  if (cert.at) {
    check_readable(cert);
    check_readable(key);
    s.cert_file = cert.path;
    s.key_file = key.path;
  }
  return s;
}

} // namespace

Config parse_config(const std::string& text, const std::string& name) {
  const TomlValue root = TomlValue::parse(text, name);
  Config c;
  c.source = name;
  root.reject_unknown({"node", "security", "storage", "routing", "jobs", "delivery", "inference", "log"}, "top level");
  if (const auto t = root.section("node")) {
    t->reject_unknown(
                   {"ae_title", "port", "data_dir", "max_associations", "max_pdu",
                    "acse_timeout_s", "dimse_timeout_s", "shutdown_grace_s"},
                   "node");
    t->read("ae_title", c.node.ae_title);
    t->read("port", c.node.port);
    t->read("data_dir", c.node.data_dir);
    t->read("max_associations", c.node.max_associations);
    t->read("max_pdu", c.node.max_pdu);
    t->read("acse_timeout_s", c.node.acse_timeout_s);
    t->read("dimse_timeout_s", c.node.dimse_timeout_s);
    t->read("shutdown_grace_s", c.node.shutdown_grace_s);
  }
  if (const auto t = root.section("security")) {
    t->reject_unknown({"check_called_ae", "allowed_callers"}, "security");
    t->read("check_called_ae", c.security.check_called_ae);
    if (t->contains("allowed_callers")) {
      const auto& list = t->at("allowed_callers");
      if (!list.is_array()) list.fail("'allowed_callers' must be an array of tables");
      for (const auto& item : list.items()) {
        if (!item.is_table()) item.fail("each allowed caller must be a table { ae_title, host }");
        item.reject_unknown({"ae_title", "host"}, "security.allowed_callers");
        AllowedCaller caller;
        item.read("ae_title", caller.ae_title);
        item.read("host", caller.host);
        if (caller.ae_title.empty()) item.fail("an allowed caller needs an ae_title");
        c.security.allowed_callers.push_back(caller);
      }
    }
  }
  if (const auto t = root.section("storage")) {
    t->reject_unknown({"min_free_mb", "max_in_flight", "fsync"}, "storage");
    t->read("min_free_mb", c.storage.min_free_mb);
    t->read("max_in_flight", c.storage.max_in_flight);
    t->read("fsync", c.storage.fsync);
  }
  if (const auto t = root.section("routing")) {
    t->reject_unknown({"profiles_dir"}, "routing");
    t->read("profiles_dir", c.routing.profiles_dir);
  }
  if (const auto t = root.section("jobs")) {
    t->reject_unknown({"max_attempts", "retry_base_s", "retry_cap_s", "lease_s"}, "jobs");
    t->read("max_attempts", c.jobs.max_attempts);
    t->read("retry_base_s", c.jobs.retry_base_s);
    t->read("retry_cap_s", c.jobs.retry_cap_s);
    t->read("lease_s", c.jobs.lease_s);
  }
  if (const auto t = root.section("delivery")) {
    t->reject_unknown(
                   {"calling_ae", "max_attempts", "retry_base_s", "retry_cap_s", "workers", "tls_profile",
                    "tls_ca_file", "tls_cert_file", "tls_key_file", "destinations", "known_peers"},
                   "delivery");
    t->read("calling_ae", c.delivery.calling_ae);
    t->read("max_attempts", c.delivery.max_attempts);
    t->read("retry_base_s", c.delivery.retry_base_s);
    t->read("retry_cap_s", c.delivery.retry_cap_s);
    t->read("workers", c.delivery.workers);
    const TlsDefaults tls = read_tls_defaults(*t);
    c.delivery.tls_profile = tls.profile;
    c.delivery.tls_ca_file = tls.ca.path;
    c.delivery.tls_cert_file = tls.cert.path;
    c.delivery.tls_key_file = tls.key.path;
    for (const auto& item : t->tables("destinations")) {
      item.reject_unknown(
                     {"name", "ae_title", "host", "port", "tls", "tls_ca_file", "tls_cert_file", "tls_key_file",
                      "tls_profile"},
                     "delivery.destinations");
      Destination d;
      item.read("name", d.name);
      item.read("ae_title", d.ae_title);
      item.read("host", d.host);
      item.read("port", d.port);
      if (d.name.empty() || d.ae_title.empty() || d.host.empty()) item.fail("a destination needs name, ae_title and host");
      if (d.name == "sender") item.fail("'sender' is reserved for back-to-the-sender delivery");
      d.tls = read_tls(item, tls);
      c.delivery.destinations.push_back(d);
    }
    for (const auto& item : t->tables("known_peers")) {
      item.reject_unknown(
                     {"calling_ae", "ae_title", "host", "port", "tls", "tls_ca_file", "tls_cert_file", "tls_key_file",
                      "tls_profile"},
                     "delivery.known_peers");
      KnownPeer k;
      item.read("calling_ae", k.calling_ae);
      item.read("ae_title", k.ae_title);
      item.read("host", k.host);
      item.read("port", k.port);
      if (k.calling_ae.empty() || k.host.empty()) item.fail("a known peer needs calling_ae and host");
      if (k.ae_title.empty()) k.ae_title = k.calling_ae;
      k.tls = read_tls(item, tls);
      c.delivery.known_peers.push_back(k);
    }
  }
  if (const auto t = root.section("inference")) {
    t->reject_unknown({"models_dir", "device", "threads", "pipeline_concurrency", "allow_missing"}, "inference");
    t->read("models_dir", c.inference.models_dir);
    t->read("device", c.inference.device);
    t->read("threads", c.inference.threads);
    t->read("pipeline_concurrency", c.inference.pipeline_concurrency);
    t->read("allow_missing", c.inference.allow_missing);
  }
  if (const auto t = root.section("log")) {
    t->reject_unknown({"level"}, "log");
    t->read("level", c.log.level);
  }
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
  return parse_config(text.str(), path.string());
}

Config default_config() {
  const auto& files = embedded::default_config();
  return parse_config(files.at(0).bytes, "<embedded osteon.toml>");
}

void validate(const Config& c) {
  auto bad = [&](const std::string& what) {
    throw Error(Errc::config_invalid, fmt::format("{}: {}", c.source, what));
  };
  const auto& aet = c.node.ae_title;
  if (aet.empty() || aet.size() > 16) bad("node.ae_title must be 1 to 16 characters");
  for (char ch : aet) {
    if (ch == '\\' || static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) > 0x7e)
      bad("node.ae_title may contain printable ASCII except backslash");
  }
  if (aet.find_first_not_of(' ') == std::string::npos) bad("node.ae_title must not be blank");
  if (c.node.port < 1 || c.node.port > 65535) bad("node.port must be 1 to 65535");
  if (c.node.data_dir.empty()) bad("node.data_dir must not be empty");
  if (c.node.max_associations < 1 || c.node.max_associations > 1024)
    bad("node.max_associations must be 1 to 1024");
  if (c.node.max_pdu < 4096 || c.node.max_pdu > 131072) bad("node.max_pdu must be 4096 to 131072");
  if (c.node.acse_timeout_s < 1) bad("node.acse_timeout_s must be at least 1");
  if (c.node.dimse_timeout_s < 1) bad("node.dimse_timeout_s must be at least 1");
  if (c.node.shutdown_grace_s < 0) bad("node.shutdown_grace_s must not be negative");
  if (c.storage.min_free_mb < 0) bad("storage.min_free_mb must not be negative");
  if (c.storage.max_in_flight < 1) bad("storage.max_in_flight must be at least 1");
  for (const auto& caller : c.security.allowed_callers) {
    if (caller.ae_title.size() > 16) bad("security.allowed_callers: ae_title longer than 16");
  }
  if (c.jobs.max_attempts < 1) bad("jobs.max_attempts must be at least 1");
  if (c.jobs.retry_base_s < 1 || c.jobs.retry_cap_s < c.jobs.retry_base_s)
    bad("jobs.retry_base_s must be at least 1 and retry_cap_s at least retry_base_s");
  if (c.jobs.lease_s < 10) bad("jobs.lease_s must be at least 10");
  if (c.delivery.max_attempts < 1) bad("delivery.max_attempts must be at least 1");
  if (c.delivery.retry_base_s < 1 || c.delivery.retry_cap_s < c.delivery.retry_base_s)
    bad("delivery.retry_base_s must be at least 1 and retry_cap_s at least retry_base_s");
  if (c.delivery.workers < 1 || c.delivery.workers > 64) bad("delivery.workers must be 1 to 64");
  for (const auto& d : c.delivery.destinations) {
    if (d.port < 1 || d.port > 65535) bad(fmt::format("delivery destination '{}': port must be 1 to 65535", d.name));
  }
  if (c.inference.device != "auto" && c.inference.device != "cpu" && c.inference.device != "cuda")
    bad("inference.device must be auto, cpu or cuda");
  if (c.inference.threads < 0) bad("inference.threads must not be negative");
  if (c.inference.pipeline_concurrency < 1 || c.inference.pipeline_concurrency > 64)
    bad("inference.pipeline_concurrency must be 1 to 64");
  static const std::set<std::string> levels{"debug", "info", "warn", "error"};
  if (!levels.contains(c.log.level)) bad("log.level must be debug, info, warn or error");
}

} // namespace osteon
