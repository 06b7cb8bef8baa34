#pragma once
// DICOM service class provider for Verification (C-ECHO) and Storage (C-STORE), on DCMTK.
// An acceptor thread per listening port (plain TCP, DICOM TLS) takes associations; each accepted
// association is served on its own thread, up to max_associations at once in all. What happens to received data is the handler's job.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "osteon/dimse/config.hpp"

namespace osteon::dimse {

struct AssociationInfo {
  std::int64_t id = 0;  // assigned by the handler (database row)
  std::string peer_host;
  std::string calling_ae;
  std::string called_ae;
  bool tls = false;           // came in on the TLS listener
  std::string peer_subject;   // on TLS: the caller's certificate subject, RFC 2253 ("" without one)
};

struct AssociationStats {
  std::int64_t echoes = 0;
  std::int64_t stores_ok = 0;
  std::int64_t stores_failed = 0;
  std::int64_t bytes = 0;
};

/// Answer to a C-STORE request before its data set is received.
struct StoreAdmission {
  bool accept = false;
  std::filesystem::path temp_file;   // when accepted: where the data set is written
  std::uint16_t status = 0xA700;     // when refused
  std::string error_comment;         // when refused
};

struct ReceivedStore {
  std::string sop_class_uid;     // from the command
  std::string sop_instance_uid;  // from the command
  std::string transfer_syntax_uid;
  std::filesystem::path temp_file;  // complete Part-10 file, closed
};

struct StoreOutcome {
  std::uint16_t status = 0;  // 0x0000 Success
  std::string error_comment;
  std::int64_t bytes = 0;    // size of the stored file
};

class ScpHandler {
 public:
  virtual ~ScpHandler() = default;
  /// A new association passed the checks; returns its id.
  virtual std::int64_t association_accepted(const AssociationInfo& info) = 0;
  virtual void association_rejected(const AssociationInfo& info, std::string_view reason) = 0;
  virtual void association_ended(const AssociationInfo& info, const AssociationStats& stats,
                                 std::string_view result) = 0;
  virtual StoreAdmission admit_store(const AssociationInfo& info, std::string_view sop_class_uid,
                                     std::string_view sop_instance_uid) = 0;
  /// Called every few megabytes while a data set arrives (e.g. to start writing it to disk).
  virtual void store_progress(const AssociationInfo& info, const std::filesystem::path& temp_file) {
    (void)info;
    (void)temp_file;
  }
  /// The data set is on disk; persist it (or not) and say what to answer.
  virtual StoreOutcome complete_store(const AssociationInfo& info, const ReceivedStore& store) = 0;
  /// Receiving failed (peer aborted, timeout); clean up the temporary file.
  virtual void store_interrupted(const AssociationInfo& info, const std::filesystem::path& temp_file) = 0;
};

class StorageScp {
 public:
  /// Listens as `listener` says (the [node] keys: AE title, port, limits, timeouts, shutdown
  /// grace) and accepts the callers `security` allows.
  StorageScp(const ListenerConfig& listener, const SecurityConfig& security, ScpHandler& handler);
  ~StorageScp();
  StorageScp(const StorageScp&) = delete;
  StorageScp& operator=(const StorageScp&) = delete;

  /// Opens the listening sockets, plain and/or TLS as `listener` says (throws Error(network_error)
  /// when a port is taken, Error(config_invalid) naming the [node] entry when a TLS file cannot be
  /// used), and starts an acceptor thread for each. A failed TLS handshake is reported through
  /// ScpHandler::association_rejected (peer host and reason) and the listener keeps serving.
  void start();
  /// Stops accepting; open associations may finish for shutdown_grace_s, then are aborted.
  void request_stop();
  /// Waits until the acceptor and every association thread have ended.
  void wait();
  int active_associations() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace osteon::dimse
