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

Table AuditRepository::list(const AuditFilter& f) {
  Listing listing;
  listing.when("event_id = ?", f.event_id)
      .when("actor = ?", f.actor)
      .when("study_uid = ?", f.study_uid)
      .when("substr(at, 1, 10) >= ?", f.from)
      .when("substr(at, 1, 10) <= ?", f.to);
  if (f.failures) listing.and_also("outcome != 0");
  return listing.run(db_,
                     "SELECT id, at, event_id, event, event_type, action, outcome, outcome_text, actor, actor_host,"
                     " actor_subject, destination, study_uid, sop_instance_uid, patient_id, detail FROM audit",
                     " ORDER BY id DESC", f.limit, f.offset);
}

} // namespace osteon::db
