#include "osteon/delivery/config.hpp"

#include <optional>

#include <fmt/format.h>

#include "osteon/core/toml_reader.hpp"

namespace osteon::delivery {

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

void check_readable(const TlsFile& f) { dimse::check_readable(*f.at, f.key, f.path); }

TlsDefaults read_tls_defaults(const TomlValue& delivery) {
  TlsDefaults d;
  dimse::read_tls_profile(delivery, d.profile);
  d.ca = tls_file(delivery, "tls_ca_file");
  d.cert = tls_file(delivery, "tls_cert_file");
  d.key = tls_file(delivery, "tls_key_file");
  if (d.cert.at && !d.key.at) d.cert.at->fail("tls_cert_file needs tls_key_file (the certificate's private key)");
  if (d.key.at && !d.cert.at) d.key.at->fail("tls_key_file needs tls_cert_file");
  return d;
}

// tls, tls_ca_file, tls_cert_file, tls_key_file, tls_profile of one destination or known peer.
dimse::TlsSettings read_tls(const TomlValue& item, const TlsDefaults& d) {
  dimse::TlsSettings s;
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
  dimse::read_tls_profile(item, s.profile);
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

void read_config(const TomlValue& section, DeliveryConfig& into) {
  section.reject_unknown(
      {"calling_ae", "max_attempts", "retry_base_s", "retry_cap_s", "workers", "tls_profile", "tls_ca_file",
       "tls_cert_file", "tls_key_file", "destinations", "known_peers"},
      "delivery");
  section.read("calling_ae", into.calling_ae);
  section.read("max_attempts", into.max_attempts);
  section.read("retry_base_s", into.retry_base_s);
  section.read("retry_cap_s", into.retry_cap_s);
  section.read("workers", into.workers);
  const TlsDefaults tls = read_tls_defaults(section);
  into.tls_profile = tls.profile;
  into.tls_ca_file = tls.ca.path;
  into.tls_cert_file = tls.cert.path;
  into.tls_key_file = tls.key.path;
  for (const auto& item : section.tables("destinations")) {
    item.reject_unknown(
        {"name", "ae_title", "host", "port", "tls", "tls_ca_file", "tls_cert_file", "tls_key_file", "tls_profile"},
        "delivery.destinations");
    Destination d;
    item.read("name", d.name);
    item.read("ae_title", d.ae_title);
    item.read("host", d.host);
    item.read("port", d.port);
    if (d.name.empty() || d.ae_title.empty() || d.host.empty()) item.fail("a destination needs name, ae_title and host");
    if (d.name == "sender") item.fail("'sender' is reserved for back-to-the-sender delivery");
    d.tls = read_tls(item, tls);
    into.destinations.push_back(d);
  }
  for (const auto& item : section.tables("known_peers")) {
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
    into.known_peers.push_back(k);
  }
}

void validate(const DeliveryConfig& config, const ConfigFail& bad) {
  if (config.max_attempts < 1) bad("delivery.max_attempts must be at least 1");
  if (config.retry_base_s < 1 || config.retry_cap_s < config.retry_base_s)
    bad("delivery.retry_base_s must be at least 1 and retry_cap_s at least retry_base_s");
  if (config.workers < 1 || config.workers > 64) bad("delivery.workers must be 1 to 64");
  for (const auto& d : config.destinations) {
    if (d.port < 1 || d.port > 65535) bad(fmt::format("delivery destination '{}': port must be 1 to 65535", d.name));
  }
}

} // namespace osteon::delivery
