#pragma once
// Node configuration: a TOML file (the default one is osteon.toml, embedded in the binary)
// plus command-line overrides. Errors name the file and the line. Each layer owns its sections
// (core/config_fail.hpp): this file holds the node's own keys and the whole, and parse_config only
// hands each [section] to its layer's reader and calls each layer's validator.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "osteon/admin/config.hpp"
#include "osteon/core/log_config.hpp"
#include "osteon/delivery/config.hpp"
#include "osteon/dimse/config.hpp"
#include "osteon/inference/config.hpp"
#include "osteon/jobs/config.hpp"
#include "osteon/routing/config.hpp"

namespace osteon::app {

/// [node]: how the storage SCP listens (dimse's keys) and where the node keeps its data.
struct NodeConfig : dimse::ListenerConfig {
  std::filesystem::path data_dir = "var";
};

/// [storage]: when ingest refuses C-STOREs, and whether the spool syncs.
struct StorageConfig {
  std::int64_t min_free_mb = 1024;  // below this free space C-STOREs are refused (0xA700)
  int max_in_flight = 32;           // C-STOREs being persisted at once before refusing
  bool fsync = true;                // fsync every file and directory (never off in production)
};

/// [retention]: how long stored files are kept once nothing needs them (README "Storage
/// retention"). A received image is needed until its jobs are finished and every result made
/// from it is delivered or has failed for good; a result object until its deliveries settle.
struct RetentionConfig {
  bool enabled = true;
  std::chrono::seconds keep_after_done{7 * 86400};  // an analysed image, after its last need
  std::chrono::seconds keep_unrouted{86400};        // an image no profile took, after receipt
  std::chrono::seconds keep_results{7 * 86400};     // a result object, after its deliveries
  // How long the rows of a purged image (with its findings, jobs and deliveries) stay after the
  // purge; nothing: for ever. The audit trail is never deleted by the node.
  std::optional<std::chrono::seconds> keep_records;
  // Below this free space the purger deletes what nothing needs, oldest first, without waiting
  // for the keep_* times; 0: twice storage.min_free_mb.
  std::int64_t high_water_mb = 0;
  std::chrono::seconds interval{60};  // how often the purger looks
  int max_per_second = 50;            // files deleted per second at most (never blocks ingest)
};

/// [audit]: forwarding the audit trail to a syslog collector (RFC 5424 over TCP, RFC 6587 octet
/// counting, optionally TLS), each event as a DICOM audit message (PS3.15 A.5, XML).
struct AuditConfig {
  std::string syslog_host;             // empty: no forwarding (the trail stays in the database)
  int syslog_port = 6514;              // 6514 (syslog over TLS), 601 or 514 for plain TCP
  bool syslog_tls = true;              // TLS to the collector (verified against syslog_ca_file)
  std::filesystem::path syslog_ca_file;
  std::filesystem::path syslog_cert_file;  // a client certificate, when the collector wants one
  std::filesystem::path syslog_key_file;
};

struct Config {
  NodeConfig node;
  dimse::SecurityConfig security;
  StorageConfig storage;
  routing::RoutingConfig routing;
  jobs::JobsConfig jobs;
  delivery::DeliveryConfig delivery;
  inference::InferenceConfig inference;
  admin::HttpSettings http;
  AuditConfig audit;
  RetentionConfig retention;
  log::LogConfig log;
  std::string source = "<embedded osteon.toml>";  // where it came from, for messages
};

/// Parses TOML text. `name` is used in error messages (file name). Unknown keys are errors.
/// Relative paths in it are relative to `base_dir`, or to the working directory when it is empty.
Config parse_config(const std::string& text, const std::string& name, const std::string& base_dir = {});
/// Reads and parses a file; relative paths in it are relative to the file's directory.
Config load_config_file(const std::filesystem::path& path);
/// The configuration file used when none is named: $OSTEON_CONFIG when set; else, for the
/// programs installed in /usr/bin (the Debian package), /etc/osteon/osteon.toml when it exists;
/// else none (the built-in defaults).
std::optional<std::filesystem::path> default_config_file();
/// `file` when not empty, else default_config_file(), else the built-in defaults.
Config load_config(const std::string& file);
/// The embedded default configuration.
Config default_config();
/// Checks ranges and consistency; throws Error(config_invalid).
void validate(const Config& config);
/// retention.high_water_mb, or twice storage.min_free_mb when it is 0, in bytes.
std::int64_t high_water_bytes(const Config& config);

} // namespace osteon::app
