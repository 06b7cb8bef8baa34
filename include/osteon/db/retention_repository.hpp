#pragma once
// What storage retention needs from the index: the stored files with the facts that decide
// whether each is still needed, and the safe order of a purge (row marked 'purging' -> file
// deleted -> row marked 'purged'; recovery finishes 'purging' rows after a crash).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "osteon/db/database.hpp"

namespace osteon::db {

struct StoredFile {
  enum class Kind { routed, unrouted, result };
  std::string sop_instance_uid;
  std::string path;  // relative to the data directory
  std::int64_t size_bytes = 0;
  std::string received_at;
  Kind kind = Kind::unrouted;
  std::string profile;  // routed: its job's profile; result: the profile of the job that made it
  // Still needed: a job not finished, or a delivery (of its results, or of itself for a result
  // object) neither delivered nor failed.
  bool needed = false;
  // When its last need ended (the last job finished or delivery settled; an unrouted image or a
  // result never sent: when it was received). ISO 8601 UTC, comparable as text.
  std::string done_at;
};

struct PurgedTotals {
  std::int64_t files = 0;
  std::int64_t bytes = 0;
  std::string last_purged_at;  // empty: never
};

class RetentionRepository {
 public:
  explicit RetentionRepository(Database& db) : db_(db) {}

  /// Every file still on disk (not purged, not being purged), oldest received first.
  std::vector<StoredFile> stored_files();
  /// '' -> 'purging'; false when another purger took it first or it is gone.
  bool mark_purging(const std::string& sop_instance_uid);
  /// 'purging' -> 'purged' at `now`.
  void mark_purged(const std::string& sop_instance_uid, const std::string& now);
  /// (uid, path) of the rows a stopped purge left 'purging'.
  std::vector<std::pair<std::string, std::string>> purging();
  /// When the instance was purged, or nothing (stored, or unknown).
  std::optional<std::string> purged_at(const std::string& sop_instance_uid);
  PurgedTotals purged_totals();
  /// Forgets the images purged before `cutoff`: their rows with their findings, jobs and
  /// deliveries, then series and studies left empty (the audit trail is never touched). Returns
  /// how many instance rows went.
  std::int64_t forget_purged_before(const std::string& cutoff);

 private:
  Database& db_;
};

} // namespace osteon::db
