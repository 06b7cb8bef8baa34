#pragma once
// The spool: where received files live, <data>/spool/<study>/<series>/<instance>.dcm.
// Files arrive under <data>/spool/.tmp, are fsync'd, then renamed into place and the
// directories fsync'd, so that a file at its final path is always whole.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "osteon/core/instance_attributes.hpp"

namespace osteon::dicom {

struct ReconcileReport {
  std::int64_t files_checked = 0;
  std::int64_t orphan_files_removed = 0;  // in place but never indexed (crash before commit)
  std::vector<std::string> missing_files;  // indexed but absent
};

class Spool {
 public:
  Spool(std::filesystem::path data_dir, bool fsync);

  const std::filesystem::path& data_dir() const { return data_dir_; }
  /// A fresh, unused name under the temporary directory.
  std::filesystem::path new_temp_path();
  /// Final path of an instance, relative to the data directory. UIDs that are not plain
  /// digits and dots are replaced by a hash so that no name can leave the spool.
  static std::string relative_path(const InstanceAttributes& attributes);
  /// Starts writing a received file to disk without waiting, so that the disk works while the
  /// file is parsed and hashed; commit() then waits for it.
  void start_writeback(const std::filesystem::path& temp) const;
  /// fsync the file, create directories (fsync'd), rename into place, fsync the directory.
  void commit(const std::filesystem::path& temp, const std::string& relative);
  /// Removes leftovers in the temporary directory (after a crash); returns how many.
  int clean_temp();
  /// Free bytes on the spool's file system.
  std::int64_t free_bytes() const;
  /// Removes files that are not in `indexed` (relative paths) and lists indexed files that are
  /// missing. Only needed after an unclean shutdown.
  ReconcileReport reconcile(const std::vector<std::string>& indexed);

 private:
  void ensure_dir(const std::filesystem::path& dir);
  std::filesystem::path data_dir_;
  std::filesystem::path root_;
  std::filesystem::path temp_dir_;
  bool fsync_;
  std::atomic<std::uint64_t> counter_{0};
};

} // namespace osteon::dicom
