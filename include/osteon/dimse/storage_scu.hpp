#pragma once
// C-STORE SCU: sends one file to a peer and says precisely how it went, so that the outbox can
// tell permanent failures (never retried) from transient ones (retried with backoff).
// Optionally over TLS (DCMTK dcmtls): the peer's certificate is always verified.
#include <cstdint>
#include <filesystem>
#include <string>

#include "osteon/dimse/config.hpp"

namespace osteon::dimse {

struct Peer {
  std::string ae_title;
  std::string host;
  int port = 104;
  TlsSettings tls{};  // enabled = false: plain TCP
};

struct ScuSettings {
  std::string calling_ae = "OSTEON";
  int acse_timeout_s = 30;
  int dimse_timeout_s = 60;
  int max_pdu = 65536;
};

enum class SendResult {
  delivered,            // Success or Warning status
  rejected_permanent,   // A-ASSOCIATE-RJ permanent (e.g. calling AE not recognised)
  rejected_transient,   // A-ASSOCIATE-RJ transient (e.g. peer busy)
  sop_class_refused,    // association up, but no presentation context for the SOP class
  failed_permanent,     // failure status from the peer (e.g. 0xA900, 0xC000)
  failed_transient,     // 0xA7xx out of resources, or the association broke mid-way
  network_error,        // connection refused, timeout, DNS, a TLS handshake cut off
  tls_failed,           // TLS handshake refused: certificate not trusted, no common protocol or cipher
};

struct SendOutcome {
  SendResult result = SendResult::network_error;
  std::uint16_t status = 0xFFFF;  // DIMSE status when a response came
  std::string detail;             // for logs and last_error
  bool transient() const {
    return result == SendResult::rejected_transient || result == SendResult::failed_transient ||
           result == SendResult::network_error;
  }
};

/// Sends `file` (Part 10) to `peer` in one association, proposing its SOP class with its own
/// transfer syntax and the uncompressed ones.
SendOutcome send_file(const Peer& peer, const ScuSettings& settings, const std::filesystem::path& file);

/// C-ECHO: opens an association with `peer` (TLS as configured), sends one echo, releases.
/// `delivered` when the peer answered Success.
SendOutcome echo(const Peer& peer, const ScuSettings& settings);

std::string to_string(SendResult result);

/// Loads the TLS files of `tls` (CA, certificate and key, profile) as a send would, so that
/// broken files stop start-up instead of failing every delivery. Throws Error(config_invalid)
/// naming `tls.origin`.
void check_tls(const TlsSettings& tls);

} // namespace osteon::dimse
