#include "osteon/db/retention_repository.hpp"

namespace osteon::db {

namespace {

// For a received image: its jobs and the deliveries of the results made from it. For a result
// object: its own deliveries, and the profile of the job that made it.
constexpr const char* stored_files_sql = R"SQL(
SELECT i.sop_instance_uid, i.path, i.size_bytes, i.received_at, i.derived_from,
  (SELECT COUNT(*) FROM jobs j WHERE j.sop_instance_uid = i.sop_instance_uid),
  (SELECT COUNT(*) FROM jobs j WHERE j.sop_instance_uid = i.sop_instance_uid
     AND j.state NOT IN ('done', 'not-analysable', 'failed')),
  (SELECT MAX(j.finished_at) FROM jobs j WHERE j.sop_instance_uid = i.sop_instance_uid),
  (SELECT MIN(j.profile) FROM jobs j
     WHERE j.sop_instance_uid = CASE WHEN i.derived_from <> '' THEN i.derived_from ELSE i.sop_instance_uid END),
  CASE WHEN i.derived_from <> '' THEN
    (SELECT COUNT(*) FROM outbox o WHERE o.sop_instance_uid = i.sop_instance_uid
       AND o.state NOT IN ('delivered', 'failed'))
  ELSE
    (SELECT COUNT(*) FROM outbox o JOIN instances r ON r.sop_instance_uid = o.sop_instance_uid
       WHERE r.derived_from = i.sop_instance_uid AND o.state NOT IN ('delivered', 'failed'))
  END,
  CASE WHEN i.derived_from <> '' THEN
    (SELECT MAX(COALESCE(o.delivered_at, o.next_attempt_at, o.created_at)) FROM outbox o
       WHERE o.sop_instance_uid = i.sop_instance_uid)
  ELSE
    (SELECT MAX(COALESCE(o.delivered_at, o.next_attempt_at, o.created_at)) FROM outbox o
       JOIN instances r ON r.sop_instance_uid = o.sop_instance_uid WHERE r.derived_from = i.sop_instance_uid)
  END
FROM instances i WHERE i.purge_state = '' ORDER BY i.received_at, i.sop_instance_uid
)SQL";

} // namespace

std::vector<StoredFile> RetentionRepository::stored_files() {
  auto st = db_.prepare(stored_files_sql);
  std::vector<StoredFile> out;
  while (st.step()) {
    StoredFile f;
    f.sop_instance_uid = st.column_text(0);
    f.path = st.column_text(1);
    f.size_bytes = st.column_int64(2);
    f.received_at = st.column_text(3);
    const bool result = !st.column_text(4).empty();
    const std::int64_t jobs = st.column_int64(5), open_jobs = st.column_int64(6);
    f.kind = result ? StoredFile::Kind::result : jobs > 0 ? StoredFile::Kind::routed : StoredFile::Kind::unrouted;
    f.profile = st.is_null(8) ? "" : st.column_text(8);
    const std::int64_t open_deliveries = st.column_int64(9);
    f.needed = open_jobs > 0 || open_deliveries > 0;
    f.done_at = f.received_at;
    for (int column : {7, 10})
      if (!st.is_null(column) && st.column_text(column) > f.done_at) f.done_at = st.column_text(column);
    out.push_back(std::move(f));
  }
  return out;
}

bool RetentionRepository::mark_purging(const std::string& uid) {
  db_.prepare("UPDATE instances SET purge_state = 'purging' WHERE sop_instance_uid = ? AND purge_state = ''")
      .bind_all(uid)
      .run();
  return db_.changes() == 1;
}

void RetentionRepository::mark_purged(const std::string& uid, const std::string& now) {
  db_.prepare("UPDATE instances SET purge_state = 'purged', purged_at = ? WHERE sop_instance_uid = ? AND purge_state = 'purging'")
      .bind_all(now, uid)
      .run();
}

std::vector<std::pair<std::string, std::string>> RetentionRepository::purging() {
  auto st = db_.prepare("SELECT sop_instance_uid, path FROM instances WHERE purge_state = 'purging'");
  std::vector<std::pair<std::string, std::string>> out;
  while (st.step()) out.emplace_back(st.column_text(0), st.column_text(1));
  return out;
}

std::optional<std::string> RetentionRepository::purged_at(const std::string& uid) {
  auto st = db_.prepare("SELECT purged_at FROM instances WHERE sop_instance_uid = ? AND purge_state = 'purged'");
  st.bind_all(uid);
  if (!st.step()) return std::nullopt;
  return st.is_null(0) ? std::string() : st.column_text(0);
}

PurgedTotals RetentionRepository::purged_totals() {
  auto st = db_.prepare("SELECT COUNT(*), COALESCE(SUM(size_bytes), 0), COALESCE(MAX(purged_at), '') FROM instances"
                        " WHERE purge_state = 'purged'");
  st.step();
  return {st.column_int64(0), st.column_int64(1), st.column_text(2)};
}

std::int64_t RetentionRepository::forget_purged_before(const std::string& cutoff) {
  Transaction tx(db_);
  const char* gone = "SELECT sop_instance_uid FROM instances WHERE purge_state = 'purged' AND purged_at < ?";
  for (const char* sql : {"DELETE FROM findings WHERE sop_instance_uid IN ({})",
                          "DELETE FROM jobs WHERE sop_instance_uid IN ({})",
                          "DELETE FROM outbox WHERE sop_instance_uid IN ({})"}) {
    std::string statement(sql);
    statement.replace(statement.find("{}"), 2, gone);
    db_.prepare(statement).bind_all(cutoff).run();
  }
  // A source's jobs go with it; a result object's outbox rows with it. Jobs that still have
  // findings of another row cannot exist (one job per instance and pipeline).
  db_.prepare("DELETE FROM instances WHERE purge_state = 'purged' AND purged_at < ?").bind_all(cutoff).run();
  const std::int64_t forgotten = db_.changes();
  db_.exec("DELETE FROM series WHERE NOT EXISTS (SELECT 1 FROM instances i WHERE i.series_uid = series.series_uid)");
  db_.exec("DELETE FROM studies WHERE NOT EXISTS (SELECT 1 FROM instances i WHERE i.study_uid = studies.study_uid)");
  tx.commit();
  return forgotten;
}

} // namespace osteon::db
