#include "osteon/db/outbox_repository.hpp"

#include <fmt/format.h>

#include "osteon/db/audit_repository.hpp"

namespace osteon::db {

namespace {
Listing outbox_where(const OutboxFilter& f) {
  Listing l;
  l.when("id = ?", f.id).when("state = ?", f.state).when("destination = ?", f.destination).when("study_uid = ?", f.study_uid)
      .when("sop_instance_uid = ?", f.sop_instance_uid);
  return l;
}
} // namespace

bool OutboxRepository::enqueue(const OutboxItem& i, const std::string& now) {
  db_.prepare(
         "INSERT INTO outbox(sop_instance_uid, sop_class_uid, study_uid, path, destination, ae_title, host, port,"
         " sr_fallbacks, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)"
         " ON CONFLICT(sop_instance_uid, destination) DO NOTHING")
      .bind_all(i.sop_instance_uid, i.sop_class_uid, i.study_uid, i.path, i.destination, i.ae_title, i.host, i.port,
                i.sr_fallbacks, now)
      .run();
  return db_.changes() == 1;
}

void OutboxRepository::enqueue_failed(const OutboxItem& i, const std::string& reason, const std::string& now) {
  db_.prepare(
         "INSERT INTO outbox(sop_instance_uid, sop_class_uid, study_uid, path, destination, ae_title, host, port,"
         " sr_fallbacks, created_at, state, last_error) VALUES (?,?,?,?,?,?,?,?,?,?,'failed',?)"
         " ON CONFLICT(sop_instance_uid, destination) DO NOTHING")
      .bind_all(i.sop_instance_uid, i.sop_class_uid, i.study_uid, i.path, i.destination, i.ae_title, i.host, i.port,
                i.sr_fallbacks, now, reason)
      .run();
}

int OutboxRepository::requeue_interrupted() {
  db_.exec("UPDATE outbox SET state = 'pending', lease_until = NULL WHERE state = 'sending'");
  return db_.changes();
}

std::optional<OutboxRow> OutboxQueue::claim(const std::string& now, const std::string& lease_until) {
  auto st = db_.prepare(
      "UPDATE outbox SET state = 'sending', attempts = attempts + 1, lease_until = ?2"
      " WHERE id = (SELECT id FROM outbox WHERE ((state = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?1))"
      "             OR (state = 'sending' AND lease_until <= ?1))"
      "             AND destination NOT IN (SELECT name FROM pauses WHERE kind = 'destination') ORDER BY id LIMIT 1)"
      " RETURNING id, sop_instance_uid, sop_class_uid, study_uid, path, destination, ae_title, host, port,"
      " sr_fallbacks, attempts");
  st.bind_all(now, lease_until);
  if (!st.step()) return std::nullopt;
  OutboxRow r;
  r.id = st.column_int64(0);
  r.item = {st.column_text(1), st.column_text(2), st.column_text(3), st.column_text(4), st.column_text(5),
            st.column_text(6), st.column_text(7), static_cast<int>(st.column_int64(8)), st.column_text(9)};
  r.attempts = st.column_int64(10);
  st.run();
  return r;
}

namespace {
// The audit record of a delivery that settled: a result object sent (or given up on).
void audit_delivery(Database& db, const OutboxRow& row, const std::string& now, int outcome, std::string outcome_text,
                    std::string detail) {
  AuditEvent e;
  e.at = now;
  e.event = audit::instances_transferred;
  e.action = 'C';
  e.outcome = outcome;
  e.outcome_text = std::move(outcome_text);
  e.actor = "(this node)";
  e.destination = fmt::format("{} at {}:{} (destination {})", row.item.ae_title, row.item.host, row.item.port,
                              row.item.destination);
  e.study_uid = row.item.study_uid;
  e.sop_instance_uid = row.item.sop_instance_uid;
  {
    auto st = db.prepare("SELECT patient_id FROM instances WHERE sop_instance_uid = ?");
    st.bind_all(row.item.sop_instance_uid);
    if (st.step()) e.patient_id = st.column_text(0);
  }
  e.detail = std::move(detail);
  AuditRepository(db).append(e);
}
} // namespace

void OutboxQueue::done(const OutboxRow& row, const DeliveryReceipt& receipt, const std::string& now) {
  Transaction tx(db_);
  db_.prepare("UPDATE outbox SET state = 'delivered', sent_as = ?, last_error = ?, delivered_at = ?,"
              " next_attempt_at = NULL, lease_until = NULL WHERE id = ? AND state = 'sending' AND attempts = ?")
      .bind_all(receipt.sent_as, receipt.note, now, row.id, row.attempts)
      .run();
  if (db_.changes() == 1) {
    audit_delivery(db_, row, now, audit::success, "",
                   fmt::format("result object delivered as {} (attempt {}){}", receipt.sent_as, row.attempts,
                               receipt.note.empty() ? "" : "; " + receipt.note));
  }
  tx.commit();
}

void OutboxQueue::retry_at(const OutboxRow& row, const DeliveryReceipt&, const std::string& error,
                           const std::string& at) {
  db_.prepare("UPDATE outbox SET state = 'pending', last_error = ?, next_attempt_at = ?, lease_until = NULL"
              " WHERE id = ? AND state = 'sending' AND attempts = ?")
      .bind_all(error, at, row.id, row.attempts)
      .run();
}

void OutboxQueue::failed(const OutboxRow& row, const DeliveryReceipt&, const std::string& error,
                         const std::string& now) {
  Transaction tx(db_);
  db_.prepare("UPDATE outbox SET state = 'failed', last_error = ?, delivered_at = NULL, next_attempt_at = ?,"
              " lease_until = NULL WHERE id = ? AND state = 'sending' AND attempts = ?")
      .bind_all(error, now, row.id, row.attempts)
      .run();
  if (db_.changes() == 1) {
    audit_delivery(db_, row, now, audit::serious_failure, error,
                   fmt::format("delivery {} failed after {} attempt(s)", row.id, row.attempts));
  }
  tx.commit();
}

bool OutboxRepository::retry(std::int64_t id) {
  db_.prepare("UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = NULL WHERE id = ? AND state = 'failed'")
      .bind_all(id)
      .run();
  return db_.changes() == 1;
}

int OutboxRepository::retry(const OutboxFilter& f) {
  const auto where = outbox_where(f).and_also("state = 'failed'");
  auto st = db_.prepare("UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = NULL" + where.where());
  where.bind(st);
  st.run();
  return db_.changes();
}

std::int64_t OutboxRepository::count(const std::string& state) {
  auto st = db_.prepare("SELECT count(*) FROM outbox WHERE state = ?");
  st.bind(1, state);
  st.step();
  return st.column_int64(0);
}

Table OutboxRepository::counts() {
  return query_table(db_, "SELECT destination, state, count(*) AS objects FROM outbox GROUP BY destination, state", {},
                     10000);
}

Table OutboxRepository::list(const OutboxFilter& f) {
  return outbox_where(f).run(db_,
           "SELECT id, sop_instance_uid, sop_class_uid, destination, ae_title, host, port, state, attempts,"
           " next_attempt_at, last_error, sent_as, created_at, delivered_at FROM outbox",
           " ORDER BY id DESC", f.limit, f.offset);
}

} // namespace osteon::db
