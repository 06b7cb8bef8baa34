#pragma once
// The DICOM network's part of the node configuration (core/config_fail.hpp says how layers read
// their sections): how the storage SCP listens ([node]: plain and TLS), whom it accepts
// ([security]), and the TLS settings of an outgoing association (read by delivery, from its
// [delivery] tls_* keys).
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "osteon/core/config_fail.hpp"

namespace osteon::dimse {

/// DICOM over TLS (DICOM PS3.15 BCP 195 profiles, DCMTK's dcmtls), for an outgoing association
/// or the node's TLS listener. Resolved at parse time: the [delivery] tls_* defaults are already
/// filled in.
struct TlsSettings {
  bool enabled = false;
  std::filesystem::path ca_file;    // trusted CA / peer certificates (PEM)
  std::filesystem::path cert_file;  // our certificate (PEM); outgoing: empty means none is presented
  std::filesystem::path key_file;   // its private key (PEM, not encrypted)
  std::string profile = "bcp195-nd";  // bcp195-nd, bcp195 or bcp195-ex
  std::string origin;                 // "file:line" of the entry, for errors found after parsing
  bool acceptor = false;     // the listener's settings (outgoing: the peer is always verified)
  bool verify_peer = true;   // listener: require a caller certificate that tls_ca_file trusts
};

/// The listener's keys of [node] (the app's [node] adds the node's own, data_dir).
struct ListenerConfig {
  std::string ae_title = "OSTEON";
  int port = 11112;
  bool plain = true;     // listen on `port` without TLS; false: the TLS port only
  int tls_port = 2762;   // the TLS listener's port (DICOM's registered port for TLS), when tls is on
  TlsSettings tls;       // on when tls_cert_file is set
  int max_associations = 16;
  int max_pdu = 65536;
  int acse_timeout_s = 30;
  int dimse_timeout_s = 60;
  int shutdown_grace_s = 10;  // on stop, how long open associations may finish before abort
};

struct AllowedCaller {
  std::string ae_title;
  std::string host;     // empty: any host
  std::string subject;  // the TLS certificate's subject, RFC 2253 ("CN=ct1,O=Hospital"); empty: any, TLS or not
};

/// [security]
struct SecurityConfig {
  bool check_called_ae = true;
  std::vector<AllowedCaller> allowed_callers;  // empty: every calling AE is accepted
};

/// Reads the listener's keys of [node]; `other_keys` are the rest of [node]'s keys (read by the
/// app), any other key fails.
void read_config(const TomlValue& node, ListenerConfig& into, const std::set<std::string>& other_keys);
void read_config(const TomlValue& section, SecurityConfig& into);
void validate(const ListenerConfig& config, const ConfigFail& bad);

/// Reads `table`'s tls_profile when present (bcp195-nd, bcp195, bcp195-ex; else fails at its line).
void read_tls_profile(const TomlValue& table, std::string& profile);
/// Fails at `at` (the value of `key`) when `path` is not a readable file.
void check_readable(const TomlValue& at, const char* key, const std::filesystem::path& path);
/// Reads `table`'s file key `key` into `into` when present; a path that is set must be a readable
/// file (else fails at its line). For the certificate, key and CA settings of every section.
void read_file_key(const TomlValue& table, const char* key, std::filesystem::path& into);
void read_file_key(const TomlValue& table, const char* key, std::string& into);
void validate(const SecurityConfig& config, const ConfigFail& bad);

} // namespace osteon::dimse
