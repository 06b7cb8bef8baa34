#pragma once
// Node configuration: a TOML file (the default one is osteon.toml, embedded in the binary)
// plus command-line overrides. Errors name the file and the line.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace osteon {

struct AllowedCaller {
  std::string ae_title;
  std::string host;  // empty: any host
};

struct NodeConfig {
  std::string ae_title = "OSTEON";
  int port = 11112;
  std::filesystem::path data_dir = "var";
  int max_associations = 16;
  int max_pdu = 65536;
  int acse_timeout_s = 30;
  int dimse_timeout_s = 60;
  int shutdown_grace_s = 10;
};

struct SecurityConfig {
  bool check_called_ae = true;
  std::vector<AllowedCaller> allowed_callers;  // empty: every calling AE is accepted
};

struct StorageConfig {
  std::int64_t min_free_mb = 1024;  // below this free space C-STOREs are refused (0xA700)
  int max_in_flight = 32;           // C-STOREs being persisted at once before refusing
  bool fsync = true;                // fsync every file and directory (never off in production)
};

struct RoutingConfig {
  std::filesystem::path profiles_dir;  // empty: the profiles built into the binary (dicom_profiles/)
};

/// DICOM over TLS for an outgoing association (DICOM PS3.15 BCP 195 profiles, DCMTK's dcmtls).
/// Resolved at parse time: the [delivery] tls_* defaults are already filled in.
struct TlsSettings {
  bool enabled = false;
  std::filesystem::path ca_file;    // trusted CA / peer certificates (PEM); the peer is always verified
  std::filesystem::path cert_file;  // our client certificate (PEM); empty: none is presented
  std::filesystem::path key_file;   // its private key (PEM, not encrypted)
  std::string profile = "bcp195-nd";  // bcp195-nd, bcp195 or bcp195-ex
  std::string origin;                 // "file:line" of the entry, for errors found after parsing
};

struct Destination {
  std::string name;  // referred to by routing profiles ("sender" is reserved)
  std::string ae_title;
  std::string host;
  int port = 104;
  TlsSettings tls{};
};

/// Where a sender listens, for "back to the sender" delivery (keyed by its calling AE title).
struct KnownPeer {
  std::string calling_ae;
  std::string ae_title;
  std::string host;
  int port = 104;
  TlsSettings tls{};
};

/// The work-queue engine (analysis jobs; delivery has its own retry settings in [delivery]).
struct JobsConfig {
  int max_attempts = 3;    // transient failures of an analysis are retried this often
  int retry_base_s = 2;    // first retry after this, doubled each attempt ...
  int retry_cap_s = 300;   // ... up to this
  int lease_s = 600;       // a claim not settled within this is taken again (its worker is presumed dead)
};

struct DeliveryConfig {
  std::string calling_ae;  // empty: node.ae_title
  int max_attempts = 8;
  int retry_base_s = 5;    // first retry delay, doubled per attempt
  int retry_cap_s = 600;
  int workers = 2;
  // Defaults for destinations and known peers that set tls = true.
  std::string tls_profile = "bcp195-nd";
  std::filesystem::path tls_ca_file;
  std::filesystem::path tls_cert_file;
  std::filesystem::path tls_key_file;
  std::vector<Destination> destinations;
  std::vector<KnownPeer> known_peers;
};

struct InferenceConfig {
  std::filesystem::path models_dir = "models";  // relative to the working directory
  std::string device = "auto";                  // auto (CUDA when present), cpu, cuda
  int threads = 0;                              // intra-op threads; 0: LibTorch's default
  int pipeline_concurrency = 1;                 // images analysed at once per pipeline
  std::vector<std::string> allow_missing;       // models the node may start without
};

struct LogConfig {
  std::string level = "info";
};

struct Config {
  NodeConfig node;
  SecurityConfig security;
  StorageConfig storage;
  RoutingConfig routing;
  JobsConfig jobs;
  DeliveryConfig delivery;
  InferenceConfig inference;
  LogConfig log;
  std::string source = "<embedded osteon.toml>";  // where it came from, for messages
};

/// Parses TOML text. `name` is used in error messages (file name). Unknown keys are errors.
Config parse_config(const std::string& text, const std::string& name);
/// Reads and parses a file.
Config load_config_file(const std::filesystem::path& path);
/// The embedded default configuration.
Config default_config();
/// Checks ranges and consistency; throws Error(config_invalid).
void validate(const Config& config);

} // namespace osteon
