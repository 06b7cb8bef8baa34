#include "osteon/core/sha256.hpp"
#include "osteon/dicom/spool.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <unordered_set>

#include <fmt/format.h>

#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"

namespace fs = std::filesystem;

namespace osteon::dicom {

namespace {

[[noreturn]] void io_fail(const std::string& what, const fs::path& p, int err) {
  throw Error(Errc::io_error, fmt::format("{} {}: {}", what, p.string(), std::strerror(err)));
}

void fsync_path(const fs::path& p, bool directory) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0));
  if (fd < 0) io_fail("open for fsync", p, errno);
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    io_fail("fsync", p, err);
  }
  ::close(fd);
}

bool is_plain_uid(const std::string& uid) {
  if (uid.empty() || uid.size() > 64 || uid.front() == '.' || uid.back() == '.') return false;
  for (char c : uid) {
    if (!(c == '.' || (c >= '0' && c <= '9'))) return false;
  }
  return uid.find("..") == std::string::npos;
}

std::string path_component(const std::string& uid) {
  if (is_plain_uid(uid)) return uid;
  return fmt::format("x{}", sha256_hex(uid).substr(0, 40));
}

} // namespace

Spool::Spool(fs::path data_dir, bool fsync)
    : data_dir_(std::move(data_dir)), root_(data_dir_ / "spool"), temp_dir_(root_ / ".tmp"), fsync_(fsync) {
  ensure_dir(data_dir_);
  ensure_dir(root_);
  ensure_dir(temp_dir_);
}

fs::path Spool::new_temp_path() {
  const auto n = counter_.fetch_add(1);
  const auto t = std::chrono::steady_clock::now().time_since_epoch().count();
  return temp_dir_ / fmt::format("{}-{}-{:x}.part", ::getpid(), n, static_cast<std::uint64_t>(t));
}

std::string Spool::relative_path(const InstanceAttributes& a) {
  return fmt::format("spool/{}/{}/{}.dcm", path_component(a.study_uid), path_component(a.series_uid),
                     path_component(a.sop_instance_uid));
}

void Spool::ensure_dir(const fs::path& dir) {
  if (fs::is_directory(dir)) return;
  if (dir.has_parent_path() && dir.parent_path() != dir) ensure_dir(dir.parent_path());
  if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) io_fail("mkdir", dir, errno);
  if (fsync_ && dir.has_parent_path()) fsync_path(dir.parent_path().empty() ? "." : dir.parent_path(), true);
}

void Spool::start_writeback(const fs::path& temp) const {
  if (!fsync_) return;
  const int fd = ::open(temp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;  // commit() reports the problem
  ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  ::close(fd);
}

void Spool::commit(const fs::path& temp, const std::string& relative) {
  const fs::path target = data_dir_ / relative;
  if (fsync_) fsync_path(temp, false);
  ensure_dir(target.parent_path());
  if (::rename(temp.c_str(), target.c_str()) != 0) io_fail("rename into", target, errno);
  if (fsync_) fsync_path(target.parent_path(), true);
}

int Spool::clean_temp() {
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(temp_dir_, ec)) {
    if (fs::remove(entry.path(), ec)) ++removed;
  }
  if (removed > 0 && fsync_) fsync_path(temp_dir_, true);
  return removed;
}

std::int64_t Spool::free_bytes() const {
  struct statvfs st {};
  if (::statvfs(root_.c_str(), &st) != 0) io_fail("statvfs", root_, errno);
  return static_cast<std::int64_t>(st.f_bavail) * static_cast<std::int64_t>(st.f_frsize);
}

ReconcileReport Spool::reconcile(const std::vector<std::string>& indexed) {
  ReconcileReport report;
  const std::unordered_set<std::string> known(indexed.begin(), indexed.end());
  std::vector<fs::path> orphans;
  for (auto it = fs::recursive_directory_iterator(root_); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_directory() && it->path() == temp_dir_) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    ++report.files_checked;
    if (report.files_checked % 10000 == 0) {
      log::info("spool.reconcile.progress", {{"files", report.files_checked}});
    }
    const std::string rel = fs::relative(it->path(), data_dir_).generic_string();
    if (!known.contains(rel)) orphans.push_back(it->path());
  }
  for (const auto& p : orphans) {
    log::warn("spool.orphan_removed", {{"path", fs::relative(p, data_dir_).generic_string()}});
    fs::remove(p);
    ++report.orphan_files_removed;
  }
  for (const auto& rel : indexed) {
    if (!fs::exists(data_dir_ / rel)) report.missing_files.push_back(rel);
  }
  return report;
}

} // namespace osteon::dicom
