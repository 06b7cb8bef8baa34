#include "osteon/db/job_repository.hpp"

namespace osteon::db {

int JobRepository::requeue_interrupted() {
  db_.exec("UPDATE jobs SET state = 'queued', reason = 'interrupted by a restart; resumed', lease_until = NULL"
           " WHERE state = 'running'");
  return db_.changes();
}

std::optional<JobRow> JobQueue::claim(const std::string& now, const std::string& lease_until) {
  auto st = db_.prepare(
      "UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?1, reason = '', lease_until = ?3"
      " WHERE id = (SELECT id FROM jobs WHERE pipeline = ?2"
      "             AND NOT EXISTS (SELECT 1 FROM pauses WHERE kind = 'pipeline' AND name = ?2)"
      "             AND ((state = 'queued' AND (next_attempt_at IS NULL OR next_attempt_at <= ?1))"
      "                  OR (state = 'running' AND lease_until <= ?1)) ORDER BY id LIMIT 1)"
      " RETURNING id, sop_instance_uid, pipeline, profile, state, attempts");
  st.bind_all(now, pipeline_, lease_until);
  if (!st.step()) return std::nullopt;
  JobRow j;
  j.id = st.column_int64(0);
  j.sop_instance_uid = st.column_text(1);
  j.pipeline = st.column_text(2);
  j.profile = st.column_text(3);
  j.state = st.column_text(4);
  j.attempts = st.column_int64(5);
  st.run();
  auto path = db_.prepare("SELECT path, calling_ae FROM instances WHERE sop_instance_uid = ?");
  path.bind(1, j.sop_instance_uid);
  if (path.step()) {
    j.path = path.column_text(0);
    j.calling_ae = path.column_text(1);
  }
  return j;
}

void JobQueue::done(const JobRow& job, const FindingRow& f, const std::string& now) {
  Transaction tx(db_);
  db_.prepare("UPDATE jobs SET state = ?, reason = ?, finished_at = ?, timings = ?, next_attempt_at = NULL,"
              " lease_until = NULL WHERE id = ? AND state = 'running' AND attempts = ?")
      .bind_all(f.outcome, f.outcome == "done" ? std::string() : f.summary, now, f.timings_json, job.id, job.attempts)
      .run();
  if (db_.changes() == 1) {
    db_.prepare(
           "INSERT INTO findings(job_id, sop_instance_uid, pipeline, profile, outcome, summary, data, model_name,"
           " model_version, model_sha256, timings, created_at)"
           " SELECT id, sop_instance_uid, pipeline, profile, ?, ?, ?, ?, ?, ?, ?, ? FROM jobs WHERE id = ?"
           " ON CONFLICT(job_id) DO UPDATE SET outcome = excluded.outcome, summary = excluded.summary,"
           " data = excluded.data, model_name = excluded.model_name, model_version = excluded.model_version,"
           " model_sha256 = excluded.model_sha256, timings = excluded.timings, created_at = excluded.created_at")
        .bind_all(f.outcome, f.summary, f.data_json, f.model_name, f.model_version, f.model_sha256, f.timings_json,
                  now, job.id)
        .run();
  }
  tx.commit();
}

void JobQueue::retry_at(const JobRow& job, const FindingRow& f, const std::string& reason, const std::string& at) {
  db_.prepare("UPDATE jobs SET state = 'queued', reason = ?, next_attempt_at = ?, timings = ?, lease_until = NULL"
              " WHERE id = ? AND state = 'running' AND attempts = ?")
      .bind_all("will retry: " + reason, at, f.timings_json, job.id, job.attempts)
      .run();
}

void JobQueue::failed(const JobRow& job, const FindingRow& f, const std::string& reason, const std::string& now) {
  db_.prepare("UPDATE jobs SET state = 'failed', reason = ?, next_attempt_at = NULL, finished_at = ?, timings = ?,"
              " lease_until = NULL WHERE id = ? AND state = 'running' AND attempts = ?")
      .bind_all(reason, now, f.timings_json, job.id, job.attempts)
      .run();
}

void JobQueue::note_waiting(const std::string& reason) {
  db_.prepare("UPDATE jobs SET reason = ? WHERE state = 'queued' AND pipeline = ? AND reason <> ?")
      .bind_all(reason, pipeline_, reason)
      .run();
}

std::int64_t JobRepository::count(const std::string& state) {
  auto st = db_.prepare("SELECT count(*) FROM jobs WHERE state = ?");
  st.bind(1, state);
  st.step();
  return st.column_int64(0);
}

namespace {
Listing jobs_where(const JobFilter& f) {
  Listing l;
  l.when("j.id = ?", f.id)
      .when("j.state = ?", f.state)
      .when("j.pipeline = ?", f.pipeline)
      .when("i.study_uid = ?", f.study_uid)
      .when("j.sop_instance_uid = ?", f.sop_instance_uid);
  return l;
}
} // namespace

int JobRepository::rerun(const JobFilter& f) {
  // Settled jobs only: one queued or running already will run (again) anyway. An image purged by
  // retention cannot be analysed again.
  std::string sql =
      "UPDATE jobs SET state = 'queued', attempts = 0, next_attempt_at = NULL, reason = 'rerun requested',"
      " started_at = NULL, finished_at = NULL WHERE state IN ('done', 'failed', 'not-analysable') AND id IN ("
      "SELECT j.id FROM jobs j JOIN instances i ON i.sop_instance_uid = j.sop_instance_uid";
  const auto where = jobs_where(f).and_also("i.purge_state = ''");
  auto st = db_.prepare(sql + where.where() + ")");
  where.bind(st);
  st.run();
  return db_.changes();
}

Table JobRepository::counts() {
  return query_table(db_, "SELECT pipeline, state, count(*) AS jobs FROM jobs GROUP BY pipeline, state", {}, 10000);
}

Table JobRepository::settled_since(const std::string& since, int limit) {
  return query_table(db_,
                     "SELECT substr(j.finished_at, 1, 16) AS minute, j.pipeline, j.state,"
                     " (julianday(j.finished_at) - julianday(i.received_at)) * 86400000.0 AS latency_ms"
                     " FROM jobs j JOIN instances i ON i.sop_instance_uid = j.sop_instance_uid"
                     " WHERE j.finished_at >= ? AND j.state IN ('done', 'not-analysable', 'failed')"
                     " ORDER BY j.finished_at",
                     {since}, limit);
}

namespace {
// The two listings over jobs (alias j, with the instance i for its study): what each shows.
constexpr const char* kJobList =
    "SELECT j.id, j.sop_instance_uid, i.study_uid, j.pipeline, j.profile, j.state, j.attempts, j.reason, j.created_at,"
    " j.started_at, j.finished_at, j.timings FROM jobs j JOIN instances i ON i.sop_instance_uid = j.sop_instance_uid";
constexpr const char* kFindingList =
    "SELECT f.id, f.job_id, f.sop_instance_uid, i.study_uid, f.pipeline, f.outcome, f.summary, f.data, f.model_name,"
    " f.model_version, f.model_sha256, f.timings, f.created_at FROM findings f JOIN jobs j ON j.id = f.job_id"
    " JOIN instances i ON i.sop_instance_uid = f.sop_instance_uid";
} // namespace

Table JobRepository::jobs(const JobFilter& f) {
  return jobs_where(f).run(db_, kJobList, " ORDER BY j.id DESC", f.limit, f.offset);
}

Table JobRepository::findings(const JobFilter& f) {
  return jobs_where(f).run(db_, kFindingList, " ORDER BY f.id DESC", f.limit, f.offset);
}

} // namespace osteon::db
