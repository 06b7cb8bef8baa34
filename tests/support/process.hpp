#pragma once
// Test support: child processes (the real osteon binary, DCMTK's command-line tools), free
// ports, temporary directories and where the build and the shared corpus are. Spawning, waiting
// and ports come from osteon_process (tools/common), shared with osteon-bench.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "osteon/common/process.hpp"

namespace osteon::test {

using proc::free_port;
using proc::read_file;

struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  std::string output;  // stdout and stderr together
};

/// Runs a command to completion (killed after `timeout`), capturing its output.
RunResult run(const std::vector<std::string>& argv, std::chrono::seconds timeout = std::chrono::seconds(120));

/// A child process running in the background, output appended to a log file.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::filesystem::path& log_file);

  pid_t pid() const { return child_.pid(); }
  void signal(int signo) { child_.signal(signo); }
  /// Exit code when the process ended within `timeout` (-1 after a signal), nullopt otherwise.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  bool running() { return child_.running(); }
  std::string log() const { return read_file(child_.log_file()); }

 private:
  proc::Process child_;  // SIGKILL when still running at destruction
};

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "osteon-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// The build directory holding osteon and osteonctl.
std::filesystem::path binary_dir();
/// ../shared/corpus/<name> beside the repository, when present.
std::optional<std::filesystem::path> shared_corpus(const std::string& name);
/// The DICOM files (regular files) in a directory, sorted.
std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir);

} // namespace osteon::test
