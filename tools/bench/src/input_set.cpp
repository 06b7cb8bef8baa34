#include "input_set.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <fstream>
#include <mutex>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include <osteon/synth/dx_writer.hpp>

namespace osteon::bench {

namespace fs = std::filesystem;

namespace {

constexpr const char* stamp_name = "osteon-bench-input.stamp";
// Test-series UIDs of osteon_synth use key >= 2^40; the benchmark keeps to its own range.
constexpr std::uint64_t uid_key_base = std::uint64_t{1} << 41;

std::string file_name(unsigned index) { return fmt::format("{:06}.dcm", index); }

std::vector<std::string> file_names(unsigned count) {
  std::vector<std::string> names;
  names.reserve(count);
  for (unsigned i = 0; i < count; ++i) names.push_back(file_name(i));
  return names;
}

// Sum of the file sizes, or nothing when one is missing or empty.
std::optional<std::uint64_t> total_size(const fs::path& dir, const std::vector<std::string>& names) {
  std::uint64_t total = 0;
  for (const auto& name : names) {
    std::error_code ec;
    const auto size = fs::file_size(dir / name, ec);
    if (ec || size == 0) return std::nullopt;
    total += size;
  }
  return total;
}

// Bits Stored cycles through 12, 13 and 14 so that the set is not all one flavour.
unsigned bits_stored_for(unsigned index) { return 12 + index % 3; }

void write_one(const fs::path& dir, const InputSpec& spec, const synth::DxAttributes& base, unsigned index) {
  synth::DxAttributes attrs = base;
  const std::uint64_t key = uid_key_base | spec.seed;
  attrs.instance_number = static_cast<int>(index) + 1;
  attrs.sop_uid = synth::make_uid("instance", key, std::uint64_t{index} + 1);
  const synth::PixelImage image =
      synth::make_test_pattern(spec.rows, spec.cols, bits_stored_for(index), spec.seed + index);
  synth::write_dx(dir / file_name(index), attrs, image, synth::Encoding::explicit_le);
}

class Generator {
 public:
  Generator(const fs::path& dir, const InputSpec& spec, std::ostream& progress)
      : dir_(dir), spec_(spec), progress_(progress) {
    const std::uint64_t key = uid_key_base | spec.seed;
    base_.patient_id = "BENCH-0001";
    base_.patient_name = "Bench^Ingest";
    base_.study_uid = synth::make_uid("study", key);
    base_.series_uid = synth::make_uid("series", key, 1);
    base_.study_description = "osteon-bench ingest";
    base_.series_description = fmt::format("{} x {} DX, 16 bits allocated", spec.cols, spec.rows);
  }

  void run() {
    const unsigned workers = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
    const unsigned step = std::clamp(spec_.count / 10, 1u, 100u);
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (unsigned w = 0; w < std::min(workers, spec_.count); ++w) threads.emplace_back([this] { work(); });
    unsigned reported = 0;
    {
      std::unique_lock lock(mutex_);
      while (done_ < spec_.count && !error_) {
        cv_.wait(lock);
        if (done_ / step != reported / step || done_ == spec_.count) {
          reported = done_;
          const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          progress_ << fmt::format("  generated {:>6}/{} files  {:6.1f} s  {:6.1f} files/s\n", reported,
                                   spec_.count, s, s > 0 ? reported / s : 0.0)
                    << std::flush;
        }
      }
    }
    for (auto& t : threads) t.join();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void work() {
    for (;;) {
      const unsigned index = next_.fetch_add(1);
      if (index >= spec_.count || failed_.load()) return;
      try {
        write_one(dir_, spec_, base_, index);
      } catch (...) {
        std::lock_guard lock(mutex_);
        if (!error_) error_ = std::current_exception();
        failed_ = true;
        cv_.notify_all();
        return;
      }
      std::lock_guard lock(mutex_);
      ++done_;
      cv_.notify_all();
    }
  }

  const fs::path& dir_;
  const InputSpec& spec_;
  std::ostream& progress_;
  synth::DxAttributes base_;
  std::atomic<unsigned> next_{0};
  std::atomic<bool> failed_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  unsigned done_ = 0;
  std::exception_ptr error_;
};

}  // namespace

std::string InputSpec::stamp() const {
  return fmt::format("osteon-bench ingest input v1: count={} rows={} cols={} seed={} bits_allocated=16 "
                     "bits_stored=12..14 encoding=explicit-le",
                     count, rows, cols, seed);
}

std::uint64_t InputSpec::estimated_file_bytes() const {
  return std::uint64_t{rows} * cols * 2 + 4096;
}

bool input_is_current(const fs::path& dir, const InputSpec& spec) {
  std::ifstream in(dir / stamp_name);
  std::string line, bytes_line;
  if (!std::getline(in, line) || line != spec.stamp() || !std::getline(in, bytes_line)) return false;
  const auto total = total_size(dir, file_names(spec.count));
  return total && bytes_line == fmt::format("bytes={}", *total);
}

InputSet prepare_input(const fs::path& dir, const InputSpec& spec, std::ostream& progress) {
  InputSet set{dir, file_names(spec.count), 0};
  if (input_is_current(dir, spec)) {
    set.total_bytes = total_size(dir, set.names).value_or(0);
    progress << fmt::format("Reusing {} input files in {} ({})\n", spec.count, dir.string(),
                            format_bytes(set.total_bytes));
    return set;
  }
  progress << fmt::format("Generating {} DX files of {} x {} (16 bits allocated, 12-14 stored) in {}\n",
                          spec.count, spec.cols, spec.rows, dir.string());
  fs::remove_all(dir);
  fs::create_directories(dir);
  Generator(dir, spec, progress).run();
  const auto total = total_size(dir, set.names);
  if (!total) throw std::runtime_error(fmt::format("generated input in {} is incomplete", dir.string()));
  set.total_bytes = *total;
  std::ofstream out(dir / stamp_name, std::ios::trunc);
  out << spec.stamp() << "\n" << fmt::format("bytes={}", set.total_bytes) << "\n";
  if (!out.flush()) throw std::runtime_error(fmt::format("cannot write the stamp file in {}", dir.string()));
  return set;
}

std::uint64_t free_disk_bytes(const fs::path& path) {
  fs::path p = fs::absolute(path);
  while (!fs::exists(p) && p.has_parent_path() && p.parent_path() != p) p = p.parent_path();
  struct statvfs st {};
  if (::statvfs(p.c_str(), &st) != 0) throw std::runtime_error(fmt::format("statvfs {} failed", p.string()));
  return std::uint64_t{st.f_bavail} * st.f_frsize;
}

std::string format_bytes(std::uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (b >= 1024.0 * 1024 * 1024) return fmt::format("{:.2f} GiB", b / (1024.0 * 1024 * 1024));
  if (b >= 1024.0 * 1024) return fmt::format("{:.1f} MiB", b / (1024.0 * 1024));
  return fmt::format("{:.0f} KiB", b / 1024.0);
}

}  // namespace osteon::bench
