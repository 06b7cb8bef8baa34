#pragma once
// [delivery] of the node configuration (core/config_fail.hpp says how layers read their
// sections): the outbox's retries and senders, the result destinations, the known peers for
// "back to the sender", and the tls_* defaults that fill in each entry's TLS settings.
#include <filesystem>
#include <string>
#include <vector>

#include "osteon/core/config_fail.hpp"
#include "osteon/dimse/config.hpp"

namespace osteon::delivery {

struct Destination {
  std::string name;  // referred to by routing profiles ("sender" is reserved)
  std::string ae_title;
  std::string host;
  int port = 104;
  dimse::TlsSettings tls{};
};

/// Where a sender listens, for "back to the sender" delivery (keyed by its calling AE title).
struct KnownPeer {
  std::string calling_ae;
  std::string ae_title;
  std::string host;
  int port = 104;
  dimse::TlsSettings tls{};
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

/// Reads [delivery]; each entry's TLS settings are resolved here (defaults from the tls_* keys,
/// files checked readable), so their errors name the file and line of the entry.
void read_config(const TomlValue& section, DeliveryConfig& into);
void validate(const DeliveryConfig& config, const ConfigFail& bad);

} // namespace osteon::delivery
