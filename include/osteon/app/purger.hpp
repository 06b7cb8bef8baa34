#pragma once
// Storage retention: which stored files nothing needs any more, and deleting them safely.
//
// Every stored file is in one of these states:
//   pending    still needed: a job not finished, or a delivery (of the results made from it, or
//              of the result object itself) neither delivered nor failed for good;
//   kept       not needed any more, kept for its keep time (retention.keep_after_done for an
//              analysed image, keep_unrouted for an image no profile took, keep_results for a
//              result object; a routing profile may override the first and the last);
//   purgeable  its keep time has run out;
//   purged     deleted; its row, findings, jobs and deliveries stay and say "purged".
// A purge marks the row 'purging', deletes the file, marks the row 'purged' (a restart finishes
// a 'purging' row), at most retention.max_per_second files a second. Below the high-water mark of
// free space, kept files go too, oldest first, until the free space is back above it.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "osteon/app/config.hpp"
#include "osteon/db/retention_repository.hpp"
#include "osteon/routing/profile.hpp"

namespace osteon::db {
class Database;
}

namespace osteon::app {

struct RetentionItem {
  db::StoredFile file;
  std::string state;        // pending, kept, purgeable
  std::string purge_after;  // kept: when its keep time ends (ISO 8601 UTC); else empty
};

struct RetentionPlan {
  std::vector<RetentionItem> items;  // every stored file, oldest received first
  std::int64_t pending_bytes = 0, kept_bytes = 0, purgeable_bytes = 0, purged_bytes = 0;
  std::int64_t pending_files = 0, kept_files = 0, purgeable_files = 0, purged_files = 0;
  std::string next_purge_at;  // the earliest purge_after of the kept files; empty: none
  std::string last_purged_at;
};

struct PurgeResult {
  std::int64_t files = 0;
  std::int64_t bytes = 0;
  std::int64_t by_age = 0;     // files whose keep time ran out
  std::int64_t by_disk = 0;    // kept files deleted because the disk was below the high-water mark
  bool pressure = false;       // free space was below the high-water mark
  bool still_below = false;    // and still is: nothing more could be deleted
  std::vector<std::string> uids;  // what was deleted, in order
  std::int64_t forgotten = 0;     // rows of images purged more than keep_records ago, deleted
};

class Purger {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  using FreeBytes = std::function<std::int64_t()>;

  /// `free_bytes` measures the spool's file system (statvfs when empty); `now` is the clock the
  /// keep times are counted on (the system clock when empty).
  Purger(std::filesystem::path data_dir, RetentionConfig rules, std::vector<routing::Profile> profiles,
         std::int64_t high_water_bytes, Clock now = {}, FreeBytes free_bytes = {});
  ~Purger();

  /// Every stored file with its state (nothing changes).
  RetentionPlan plan(db::Database& database) const;
  /// What run_once would delete now, in its order, each with its reason ("age", or "disk" for a
  /// kept file deleted because free space is below the high-water mark).
  std::vector<std::pair<RetentionItem, std::string>> would_purge(db::Database& database) const;
  /// Finishes what a stopped purge left 'purging', then deletes what is purgeable and, below the
  /// high-water mark, what is kept, oldest first. `max_files` bounds one run (0: no bound).
  PurgeResult run_once(db::Database& database, std::int64_t max_files = 0);

  /// A thread that runs every retention.interval, and when woken (disk below the high-water
  /// mark), on its own connection to the data directory's database.
  void start();
  void stop();
  void wake();
  /// One line for /readyz and logs: what the last run found ("", or why nothing could be freed).
  std::string status() const;
  /// Keep times of profiles that a reload put in force (their [retention] keys) apply from now on.
  void replace_profiles(std::vector<routing::Profile> profiles);

 private:
  std::chrono::system_clock::time_point now() const;
  std::int64_t free_bytes() const;
  std::chrono::seconds keep_for(const db::StoredFile& f) const;
  bool purge_one(db::Database& database, const db::StoredFile& file, const char* reason, PurgeResult& result);
  void loop();

  std::filesystem::path data_dir_;
  RetentionConfig rules_;
  std::shared_ptr<const std::vector<routing::Profile>> profiles_;  // guarded by status_mutex_
  std::int64_t high_water_bytes_;
  Clock now_;
  FreeBytes free_bytes_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  bool stopping_ = false;
  std::thread thread_;
  mutable std::mutex status_mutex_;
  std::string status_;
};

} // namespace osteon::app
