#include "osteon/db/instance_repository.hpp"

#include <fmt/format.h>

namespace osteon::db {

namespace {

// The listing filters over the instances table (alias i).
Listing instances_where(const Filter& f) {
  Listing l;
  l.when("i.study_uid = ?", f.study_uid)
      .when("i.series_uid = ?", f.series_uid)
      .when("i.sop_instance_uid = ?", f.sop_instance_uid)
      .when("i.study_uid IN (SELECT study_uid FROM studies WHERE patient_id = ?)", f.patient_id)
      .when("i.study_uid IN (SELECT study_uid FROM studies WHERE accession_number = ?)", f.accession_number)
      .when("instr(i.routing, 'result of job ' || ? || ' (') = 1", f.result_of_job)
      .when("upper(i.modality) = upper(?)", f.modality)
      .when("upper(i.body_part) = upper(?)", f.body_part)
      .when("i.calling_ae = ?", f.calling_ae)
      .when("substr(i.received_at, 1, 10) >= ?", f.received_from)
      .when("substr(i.received_at, 1, 10) <= ?", f.received_to);
  return l;
}

} // namespace

bool InstanceRepository::contains(const std::string& sop_instance_uid) {
  auto st = db_.prepare("SELECT 1 FROM instances WHERE sop_instance_uid = ?");
  st.bind(1, sop_instance_uid);
  return st.step();
}

std::optional<StoredInstance> InstanceRepository::find(const std::string& sop_instance_uid) {
  auto st = db_.prepare(
      "SELECT sop_class_uid, series_uid, study_uid, transfer_syntax_uid, patient_id, modality, body_part,"
      " view_position, laterality, instance_number, size_bytes, sha256, calling_ae, association_id,"
      " received_at, path, routing FROM instances WHERE sop_instance_uid = ?");
  st.bind(1, sop_instance_uid);
  if (!st.step()) return std::nullopt;
  StoredInstance s;
  auto& a = s.attributes;
  a.sop_instance_uid = sop_instance_uid;
  a.sop_class_uid = st.column_text(0);
  a.series_uid = st.column_text(1);
  a.study_uid = st.column_text(2);
  a.transfer_syntax_uid = st.column_text(3);
  a.patient_id = st.column_text(4);
  a.modality = st.column_text(5);
  a.body_part = st.column_text(6);
  a.view_position = st.column_text(7);
  a.laterality = st.column_text(8);
  a.instance_number = st.column_optional_int64(9);
  s.size_bytes = st.column_int64(10);
  s.sha256 = st.column_text(11);
  s.calling_ae = st.column_text(12);
  s.association_id = st.column_optional_int64(13);
  s.received_at = st.column_text(14);
  s.path = st.column_text(15);
  s.routing = st.column_text(16);
  return s;
}

bool InstanceRepository::insert(const StoredInstance& s) {
  const auto& a = s.attributes;
  Transaction tx(db_);
  if (contains(a.sop_instance_uid)) return false;
  db_.prepare(
         "INSERT INTO studies(study_uid, patient_id, study_date, study_time, accession_number,"
         " study_description, first_received_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT(study_uid) DO NOTHING")
      .bind_all(a.study_uid, a.patient_id, a.study_date, a.study_time, a.accession_number,
                a.study_description, s.received_at)
      .run();
  db_.prepare(
         "INSERT INTO series(series_uid, study_uid, modality, series_number, series_description, body_part,"
         " first_received_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT(series_uid) DO NOTHING")
      .bind_all(a.series_uid, a.study_uid, a.modality, a.series_number, a.series_description, a.body_part,
                s.received_at)
      .run();
  db_.prepare(
         "INSERT INTO instances(sop_instance_uid, series_uid, study_uid, sop_class_uid, transfer_syntax_uid,"
         " patient_id, modality, body_part, view_position, laterality, instance_number, size_bytes, sha256,"
         " calling_ae, association_id, received_at, path, routing, derived_from)"
         " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
      .bind_all(a.sop_instance_uid, a.series_uid, a.study_uid, a.sop_class_uid, a.transfer_syntax_uid,
                a.patient_id, a.modality, a.body_part, a.view_position, a.laterality, a.instance_number,
                s.size_bytes, s.sha256, s.calling_ae, s.association_id, s.received_at, s.path, s.routing,
                s.derived_from)
      .run();
  if (s.job) {
    db_.prepare("INSERT INTO jobs(sop_instance_uid, pipeline, profile, created_at) VALUES (?,?,?,?)"
                " ON CONFLICT(sop_instance_uid, pipeline) DO NOTHING")
        .bind_all(a.sop_instance_uid, s.job->pipeline, s.job->profile, s.received_at)
        .run();
  }
  if (s.audit) AuditRepository(db_).append(*s.audit);
  tx.commit();
  return true;
}

std::vector<std::string> InstanceRepository::all_paths() {
  std::vector<std::string> out;
  auto st = db_.prepare("SELECT path FROM instances");
  while (st.step()) out.push_back(st.column_text(0));
  return out;
}

std::int64_t InstanceRepository::start_association(const AssociationStart& a) {
  db_.prepare("INSERT INTO associations(peer_host, calling_ae, called_ae, started_at, transport, peer_subject)"
              " VALUES (?,?,?,?,?,?)")
      .bind_all(a.peer_host, a.calling_ae, a.called_ae, a.started_at, a.transport, a.peer_subject)
      .run();
  return db_.last_insert_rowid();
}

void InstanceRepository::end_association(std::int64_t id, const AssociationEnd& e) {
  db_.prepare(
         "UPDATE associations SET ended_at = ?, echoes = ?, stores_ok = ?, stores_failed = ?, bytes = ?,"
         " result = ? WHERE id = ?")
      .bind_all(e.ended_at, e.echoes, e.stores_ok, e.stores_failed, e.bytes, e.result, id)
      .run();
}

int InstanceRepository::close_interrupted_associations(const std::string& now) {
  db_.prepare("UPDATE associations SET result = 'interrupted', ended_at = ? WHERE result = 'open'")
      .bind_all(now)
      .run();
  return db_.changes();
}

Table InstanceRepository::studies(const Filter& f) {
  return instances_where(f).run(db_,
                                "SELECT s.study_uid, s.patient_id, s.study_date, s.accession_number, s.study_description,"
                                " group_concat(DISTINCT i.modality) AS modalities, count(DISTINCT i.series_uid) AS series,"
                                " count(*) AS instances, sum(i.size_bytes) AS bytes, max(i.received_at) AS last_received"
                                " FROM instances i JOIN studies s ON s.study_uid = i.study_uid",
                                " GROUP BY s.study_uid ORDER BY last_received DESC", f.limit, f.offset);
}

Table InstanceRepository::series(const Filter& f) {
  return instances_where(f).run(db_,
                                "SELECT r.series_uid, r.study_uid, r.modality, r.series_number, r.body_part,"
                                " r.series_description, count(*) AS instances, sum(i.size_bytes) AS bytes,"
                                " max(i.received_at) AS last_received"
                                " FROM instances i JOIN series r ON r.series_uid = i.series_uid",
                                " GROUP BY r.series_uid ORDER BY last_received DESC", f.limit, f.offset);
}

Table InstanceRepository::instances(const Filter& f) {
  return instances_where(f).run(db_,
                                "SELECT i.sop_instance_uid, i.study_uid, i.series_uid, i.sop_class_uid, i.modality,"
                                " i.body_part, i.view_position, i.laterality, i.transfer_syntax_uid, i.size_bytes,"
                                " i.sha256, i.calling_ae, i.received_at, i.path, i.routing, i.patient_id, i.purge_state, i.purged_at"
                                " FROM instances i",
                                " ORDER BY i.received_at DESC, i.sop_instance_uid", f.limit, f.offset);
}

Table InstanceRepository::associations(const Filter& f) {
  return Listing()
      .when("calling_ae = ?", f.calling_ae)
      .when("substr(started_at, 1, 10) >= ?", f.received_from)
      .when("substr(started_at, 1, 10) <= ?", f.received_to)
      .run(db_,
           "SELECT id, peer_host, calling_ae, called_ae, started_at, ended_at, echoes, stores_ok,"
           " stores_failed, bytes, result, transport, peer_subject FROM associations",
           " ORDER BY id DESC", f.limit, f.offset);
}

Table InstanceRepository::stats() {
  return query_table(db_,
                   "SELECT (SELECT count(*) FROM studies) AS studies, (SELECT count(*) FROM series) AS series,"
                   " (SELECT count(*) FROM instances) AS instances,"
                   " (SELECT coalesce(sum(size_bytes), 0) FROM instances) AS bytes,"
                   " (SELECT count(*) FROM associations) AS associations,"
                   " (SELECT count(*) FROM associations WHERE result LIKE 'rejected%') AS associations_rejected,"
                   " (SELECT coalesce(sum(stores_failed), 0) FROM associations) AS stores_failed,"
                   " (SELECT max(received_at) FROM instances) AS last_received",
                   {}, 1);
}

Table InstanceRepository::received_per_minute(const std::string& since) {
  return query_table(db_,
                     "SELECT substr(received_at, 1, 16) AS minute, count(*) AS received FROM instances"
                     " WHERE received_at >= ? AND instr(routing, 'result of job ') != 1 GROUP BY minute ORDER BY minute",
                     {since}, 100000);
}

} // namespace osteon::db
