#include "osteon/db/audit_repository.hpp"

namespace osteon::db {

void AuditRepository::append(const AuditEvent& e) {
  db_.prepare(
         "INSERT INTO audit(at, event_id, event, event_type, action, outcome, outcome_text, actor, actor_host,"
         " actor_subject, destination, study_uid, sop_instance_uid, patient_id, detail)"
         " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
      .bind_all(e.at, e.event.code, e.event.meaning, e.type ? e.type->meaning : "", std::string(1, e.action), e.outcome,
                e.outcome_text, e.actor, e.actor_host, e.actor_subject, e.destination, e.study_uid, e.sop_instance_uid,
                e.patient_id, e.detail)
      .run();
}

namespace {
constexpr const char* kColumns =
    "SELECT id, at, event_id, event, event_type, action, outcome, outcome_text, actor, actor_host,"
    " actor_subject, destination, study_uid, sop_instance_uid, patient_id, detail FROM audit";
} // namespace

Table AuditRepository::after(std::int64_t after_id, int limit) {
  return query_table(db_, std::string(kColumns) + " WHERE id > ? ORDER BY id", {std::to_string(after_id)}, limit);
}

std::int64_t AuditRepository::forwarded(const std::string& collector) {
  auto st = db_.prepare("SELECT last_id FROM audit_forwarded WHERE collector = ?");
  st.bind_all(collector);
  return st.step() ? st.column_int64(0) : 0;
}

void AuditRepository::set_forwarded(const std::string& collector, std::int64_t id) {
  db_.prepare("INSERT INTO audit_forwarded(collector, last_id) VALUES (?, ?)"
              " ON CONFLICT(collector) DO UPDATE SET last_id = excluded.last_id")
      .bind_all(collector, id)
      .run();
}

Table AuditRepository::list(const AuditFilter& f) {
  Listing listing;
  listing.when("event_id = ?", f.event_id)
      .when("actor = ?", f.actor)
      .when("study_uid = ?", f.study_uid)
      .when("substr(at, 1, 10) >= ?", f.from)
      .when("substr(at, 1, 10) <= ?", f.to);
  if (f.failures) listing.and_also("outcome != 0");
  return listing.run(db_, kColumns, " ORDER BY id DESC", f.limit, f.offset);
}

} // namespace osteon::db
