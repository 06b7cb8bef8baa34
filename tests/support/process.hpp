#pragma once
// Test support: child processes (the real osteon binary, DCMTK's command-line tools), free
// ports, temporary directories and where the build and the shared corpus are.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace osteon::test {

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
  ~Process();  // SIGKILL when still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signo);
  /// Exit code when the process ended within `timeout` (-1 after a signal), nullopt otherwise.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  bool running();
  std::string log() const;

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::filesystem::path log_file_;
};

int free_port();

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
std::string read_file(const std::filesystem::path& file);

} // namespace osteon::test
