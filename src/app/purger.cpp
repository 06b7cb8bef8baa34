#include "osteon/app/purger.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "osteon/core/clock.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"
#include "osteon/core/metrics.hpp"
#include "osteon/db/database.hpp"

namespace fs = std::filesystem;

namespace osteon::app {

Purger::Purger(fs::path data_dir, RetentionConfig rules, std::vector<routing::Profile> profiles,
               std::int64_t high_water_bytes, Clock now, FreeBytes free_bytes)
    : data_dir_(std::move(data_dir)),
      rules_(rules),
      profiles_(std::make_shared<const std::vector<routing::Profile>>(std::move(profiles))),
      high_water_bytes_(high_water_bytes),
      now_(std::move(now)),
      free_bytes_(std::move(free_bytes)) {}

Purger::~Purger() { stop(); }

void Purger::replace_profiles(std::vector<routing::Profile> profiles) {
  auto next = std::make_shared<const std::vector<routing::Profile>>(std::move(profiles));
  const std::lock_guard guard(status_mutex_);
  profiles_ = std::move(next);
}

std::chrono::system_clock::time_point Purger::now() const {
  return now_ ? now_() : std::chrono::system_clock::now();
}

std::int64_t Purger::free_bytes() const {
  if (free_bytes_) return free_bytes_();
  std::error_code ec;
  const auto space = fs::space(data_dir_, ec);
  return ec ? INT64_MAX : static_cast<std::int64_t>(space.available);
}

std::chrono::seconds Purger::keep_for(const db::StoredFile& f) const {
  std::shared_ptr<const std::vector<routing::Profile>> profiles;
  {
    const std::lock_guard guard(status_mutex_);
    profiles = profiles_;
  }
  const routing::Profile* profile = nullptr;
  for (const auto& p : *profiles)
    if (p.id == f.profile) profile = &p;
  switch (f.kind) {
    case db::StoredFile::Kind::unrouted: return rules_.keep_unrouted;
    case db::StoredFile::Kind::result:
      return profile && profile->keep_results ? *profile->keep_results : rules_.keep_results;
    case db::StoredFile::Kind::routed: break;
  }
  return profile && profile->keep_after_done ? *profile->keep_after_done : rules_.keep_after_done;
}

RetentionPlan Purger::plan(db::Database& database) const {
  db::RetentionRepository repo(database);
  RetentionPlan plan;
  const auto t = now();
  for (auto& f : repo.stored_files()) {
    RetentionItem item{std::move(f), "", ""};
    if (item.file.needed) {
      item.state = "pending";
      plan.pending_bytes += item.file.size_bytes;
      ++plan.pending_files;
    } else {
      // done_at + keep, as text: ISO 8601 UTC strings compare like the times they name.
      const std::string cutoff = utc_timestamp(t - keep_for(item.file));
      if (item.file.done_at <= cutoff) {
        item.state = "purgeable";
        plan.purgeable_bytes += item.file.size_bytes;
        ++plan.purgeable_files;
      } else {
        item.state = "kept";
        plan.kept_bytes += item.file.size_bytes;
        ++plan.kept_files;
        // When it becomes purgeable: its last need plus its keep time.
        if (const auto done = parse_utc_timestamp(item.file.done_at))
          item.purge_after = utc_timestamp(*done + keep_for(item.file));
        if (!item.purge_after.empty() && (plan.next_purge_at.empty() || item.purge_after < plan.next_purge_at))
          plan.next_purge_at = item.purge_after;
      }
    }
    plan.items.push_back(std::move(item));
  }
  const auto purged = repo.purged_totals();
  plan.purged_bytes = purged.bytes;
  plan.purged_files = purged.files;
  plan.last_purged_at = purged.last_purged_at;
  return plan;
}

std::vector<std::pair<RetentionItem, std::string>> Purger::would_purge(db::Database& database) const {
  std::vector<std::pair<RetentionItem, std::string>> out;
  const RetentionPlan planned = plan(database);
  for (const auto& item : planned.items)
    if (item.state == "purgeable") out.emplace_back(item, "age");
  std::int64_t free = free_bytes();
  for (const auto& [item, reason] : out) free += item.file.size_bytes;
  for (const auto& item : planned.items) {
    if (free >= high_water_bytes_) break;
    if (item.state != "kept") continue;
    out.emplace_back(item, "disk");
    free += item.file.size_bytes;
  }
  return out;
}

bool Purger::purge_one(db::Database& database, const db::StoredFile& file, const char* reason, PurgeResult& result) {
  db::RetentionRepository repo(database);
  if (!repo.mark_purging(file.sop_instance_uid)) return false;  // taken by another purger, or gone
  std::error_code ec;
  fs::remove(data_dir_ / file.path, ec);
  if (ec) {
    // The row stays 'purging': the next run (or a restart) tries again; it never claims a file
    // that is still there is gone.
    log::error("retention.delete_failed", {{"sop", file.sop_instance_uid}, {"error", ec.message()}});
    return false;
  }
  repo.mark_purged(file.sop_instance_uid, utc_timestamp(now()));
  result.files += 1;
  result.bytes += file.size_bytes;
  result.uids.push_back(file.sop_instance_uid);
  metrics::add("osteon_purged_files_total", {{"reason", reason}});
  metrics::add("osteon_purged_bytes_total", {{"reason", reason}}, static_cast<double>(file.size_bytes));
  log::info("retention.purged", {{"sop", file.sop_instance_uid}, {"bytes", file.size_bytes}, {"reason", reason}});
  return true;
}

PurgeResult Purger::run_once(db::Database& database, std::int64_t max_files) {
  PurgeResult result;
  db::RetentionRepository repo(database);
  for (const auto& [uid, path] : repo.purging()) {  // a purge that stopped half-way
    std::error_code ec;
    fs::remove(data_dir_ / path, ec);
    if (!ec) repo.mark_purged(uid, utc_timestamp(now()));
  }
  const auto pause = std::chrono::microseconds(1000000 / std::max(1, rules_.max_per_second));
  const auto bounded = [&] { return max_files > 0 && result.files >= max_files; };
  const RetentionPlan planned = plan(database);
  for (const auto& item : planned.items) {
    if (bounded()) break;
    if (item.state != "purgeable") continue;
    if (purge_one(database, item.file, "age", result)) {
      ++result.by_age;
      std::this_thread::sleep_for(pause);
    }
  }
  // Below the high-water mark: what is only kept goes too, oldest first, until there is room.
  if (free_bytes() < high_water_bytes_) {
    result.pressure = true;
    for (const auto& item : planned.items) {
      if (bounded() || free_bytes() >= high_water_bytes_) break;
      if (item.state != "kept") continue;
      if (purge_one(database, item.file, "disk", result)) {
        ++result.by_disk;
        std::this_thread::sleep_for(pause);
      }
    }
    result.still_below = free_bytes() < high_water_bytes_;
  }
  // Rows of images purged long ago, when the configuration says to forget them.
  if (rules_.keep_records) {
    result.forgotten = repo.forget_purged_before(utc_timestamp(now() - *rules_.keep_records));
    if (result.forgotten > 0) log::info("retention.forgotten", {{"instances", result.forgotten}});
  }
  std::string status;
  if (result.still_below) {
    status = fmt::format("free disk below the retention high-water mark ({} MB) and nothing more can be purged "
                         "(everything left is still needed)",
                         high_water_bytes_ >> 20);
    log::warn("retention.nothing_purgeable", {{"free_bytes", free_bytes()}, {"high_water_bytes", high_water_bytes_}});
  }
  {
    std::lock_guard lock(status_mutex_);
    status_ = status;
  }
  if (result.files > 0)
    log::info("retention.run", {{"files", result.files}, {"bytes", result.bytes}, {"by_age", result.by_age},
                                {"by_disk", result.by_disk}});
  const RetentionPlan after = result.files > 0 ? plan(database) : planned;
  metrics::set("osteon_retention_stuck", {}, result.still_below ? 1.0 : 0.0);
  metrics::set("osteon_retention_bytes", {{"state", "pending"}}, static_cast<double>(after.pending_bytes));
  metrics::set("osteon_retention_bytes", {{"state", "kept"}}, static_cast<double>(after.kept_bytes));
  metrics::set("osteon_retention_bytes", {{"state", "purgeable"}}, static_cast<double>(after.purgeable_bytes));
  metrics::set("osteon_retention_bytes", {{"state", "purged"}}, static_cast<double>(after.purged_bytes));
  return result;
}

void Purger::start() {
  if (!rules_.enabled || thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Purger::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Purger::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

std::string Purger::status() const {
  std::lock_guard lock(status_mutex_);
  return status_;
}

void Purger::loop() {
  std::optional<db::Database> database;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, rules_.interval, [&] { return woken_ || stopping_; });
      if (stopping_) return;
      woken_ = false;
    }
    try {
      if (!database) database.emplace(db::database_path(data_dir_));
      // Bounded runs, so that stopping never waits long.
      run_once(*database, std::max(1, rules_.max_per_second) * 10);
    } catch (const std::exception& e) {
      log::error("retention.run_failed", {{"error", e.what()}});
      database.reset();
    }
  }
}

} // namespace osteon::app
