#pragma once
// Forwards the audit trail to a syslog collector ([audit] syslog_host): every row of the audit
// table, oldest first, as an RFC 5424 message (RFC 6587 octet counting over TCP, TLS when
// configured) whose body is the DICOM audit message XML (PS3.15 A.5, RFC 3881). How far it got is
// kept in the database (schema 10), so a restart or an outage of the collector neither loses nor
// repeats an event; while the collector is away the events wait in the table.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "osteon/app/config.hpp"
#include "osteon/db/table.hpp"

namespace osteon::app {

/// One audit row (the columns of db::AuditRepository::list) as a DICOM audit message; `node_ae`
/// is the audit source and the node's own participant.
std::string audit_message_xml(const std::vector<db::Value>& row, const std::string& node_ae);

class AuditForwarder {
 public:
  AuditForwarder(AuditConfig config, std::filesystem::path database, std::string node_ae);
  ~AuditForwarder();
  AuditForwarder(const AuditForwarder&) = delete;
  AuditForwarder& operator=(const AuditForwarder&) = delete;

  void start();
  /// Sends what is still waiting (for up to a few seconds), then stops.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace osteon::app
