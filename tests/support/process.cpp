#include "process.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <random>

namespace fs = std::filesystem;

namespace osteon::test {

RunResult run(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  TempDir dir("osteon-run");
  const fs::path log = dir.path() / "out.txt";
  Process p(argv, log);
  RunResult r;
  auto code = p.wait_for(timeout);
  if (!code) {
    p.signal(SIGKILL);
    p.wait_for(std::chrono::seconds(5));
  }
  r.exit_code = code.value_or(-1);
  r.output = p.log();
  return r;
}

Process::Process(const std::vector<std::string>& argv, const fs::path& log_file)
    : child_(proc::Process::spawn(argv, log_file, {}, proc::LogMode::append)) {}

std::optional<int> Process::wait_for(std::chrono::milliseconds timeout) {
  const auto code = child_.wait_for(timeout);
  if (code && child_.killed_by_signal()) return -1;
  return code;
}

TempDir::TempDir(const std::string& prefix) {
  std::random_device rd;
  path_ = fs::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!std::getenv("OSTEON_KEEP_TEST_DIRS")) fs::remove_all(path_, ec);
}

fs::path binary_dir() { return OSTEON_BINARY_DIR; }

std::optional<fs::path> shared_corpus(const std::string& name) {
  const fs::path p = fs::path(OSTEON_SOURCE_DIR) / ".." / "shared" / "corpus" / name;
  if (fs::is_directory(p)) return fs::canonical(p);
  return std::nullopt;
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace osteon::test
