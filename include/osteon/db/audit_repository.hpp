#pragma once
// The audit trail (schema 8): who sent, read, changed or exported what, and when. Rows follow the
// DICOM audit messages (PS3.15 Annex A.5); the table is append-only (no update or delete here, and
// triggers refuse them). Patient IDs are recorded, patient names never.
#include <optional>
#include <string>

#include "osteon/db/database.hpp"
#include "osteon/db/table.hpp"

namespace osteon::db {

/// A DICOM audit event ID or event type: a DCM code and its meaning.
struct AuditCode {
  const char* code;
  const char* meaning;
};

namespace audit {
inline constexpr AuditCode application_activity{"110100", "Application Activity"};
inline constexpr AuditCode instances_accessed{"110103", "DICOM Instances Accessed"};
inline constexpr AuditCode instances_transferred{"110104", "DICOM Instances Transferred"};
inline constexpr AuditCode export_{"110106", "Export"};
inline constexpr AuditCode query{"110112", "Query"};
inline constexpr AuditCode security_alert{"110113", "Security Alert"};
inline constexpr AuditCode user_authentication{"110114", "User Authentication"};
// Event types
inline constexpr AuditCode application_start{"110120", "Application Start"};
inline constexpr AuditCode application_stop{"110121", "Application Stop"};
inline constexpr AuditCode login{"110122", "Login"};
inline constexpr AuditCode logout{"110123", "Logout"};
inline constexpr AuditCode node_authentication{"110126", "Node Authentication"};
inline constexpr AuditCode software_configuration{"110131", "Software Configuration"};
inline constexpr AuditCode use_of_restricted_function{"110132", "Use of Restricted Function"};
inline constexpr AuditCode user_security_attributes_changed{"110137", "User security Attributes Changed"};
// Outcomes (RFC 3881 EventOutcomeIndicator)
inline constexpr int success = 0;
inline constexpr int minor_failure = 4;
inline constexpr int serious_failure = 8;
} // namespace audit

struct AuditEvent {
  std::string at;  // ISO 8601 UTC
  AuditCode event;
  std::optional<AuditCode> type;
  char action = 'E';  // C, R, U, D, E
  int outcome = audit::success;
  std::string outcome_text;
  std::string actor;
  std::string actor_host;
  std::string actor_subject;
  std::string destination;
  std::string study_uid;
  std::string sop_instance_uid;
  std::string patient_id;
  std::string detail;
};

struct AuditFilter {
  std::optional<std::string> event_id;   // e.g. 110104
  std::optional<std::string> actor;
  std::optional<std::string> study_uid;
  std::optional<std::string> from;       // YYYY-MM-DD, inclusive
  std::optional<std::string> to;
  std::optional<std::string> failures;   // set: only outcomes other than success
  int limit = 1000;
  int offset = 0;
};

class AuditRepository {
 public:
  explicit AuditRepository(Database& db) : db_(db) {}
  void append(const AuditEvent& event);
  /// Newest first.
  Table list(const AuditFilter& filter);
  /// The rows after `after_id`, oldest first (what a forwarder has not sent yet); the columns of list().
  Table after(std::int64_t after_id, int limit);
  /// How far forwarding to `collector` got (0: nothing sent), and recording it.
  std::int64_t forwarded(const std::string& collector);
  void set_forwarded(const std::string& collector, std::int64_t id);

 private:
  Database& db_;
};

} // namespace osteon::db
