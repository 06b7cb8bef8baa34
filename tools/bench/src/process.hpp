// Child processes for the benchmarks: fork/execvp with stdout and stderr sent to a log file,
// waiting with or without a deadline, graceful stop (SIGTERM, then SIGKILL), plus small
// helpers every subcommand needs (free loopback port, tail of a log, own directory).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace osteon::bench {

class Process {
 public:
  // Starts argv[0] (looked up in PATH when it has no slash) with the given arguments.
  // stdout and stderr go to log_file (created or truncated), stdin is /dev/null; a non-empty
  // cwd is the child's working directory. The child gets SIGKILL if this program dies.
  // Throws std::runtime_error when the log cannot be opened or fork fails; a program that
  // cannot be executed shows up as exit code 127 with the reason in its log.
  static Process spawn(const std::vector<std::string>& argv, const std::filesystem::path& log_file,
                       const std::filesystem::path& cwd = {});

  Process() = default;
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();  // kills (SIGKILL) and reaps a child that is still running

  // True while the child has not exited (reaps it when it has).
  bool running();
  // Blocks until the child exits; returns exit_code() afterwards.
  int wait();
  // Waits at most `timeout`; the exit code, or nothing when the child is still running.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  // SIGTERM, up to `grace` for it to exit, then SIGKILL. Returns the exit code.
  int stop(std::chrono::milliseconds grace);

  // Exit status once known: the exit code, or 128 + signal number when killed by a signal.
  std::optional<int> exit_code() const { return exit_code_; }
  // CPU seconds (user + system) the child used, known once it has exited (0 before).
  double cpu_seconds() const { return cpu_seconds_; }
  pid_t pid() const { return pid_; }
  const std::filesystem::path& log_file() const { return log_file_; }
  // The command line, shortened to `max_chars` (for messages).
  std::string command_line(std::size_t max_chars = 200) const;

 private:
  bool reap(bool block);
  void release();

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  double cpu_seconds_ = 0.0;
  std::vector<std::string> argv_;
  std::filesystem::path log_file_;
};

// "exit code 3", "killed by signal 9 (Killed)", ...
std::string describe_exit(int exit_code);

// A TCP port on 127.0.0.1 that was free a moment ago (bind port 0, read it back).
std::uint16_t find_free_port();

// The last `lines` lines of a text file, each indented as "    | line" for messages.
std::string tail_file(const std::filesystem::path& file, std::size_t lines = 20);

// User-mode CPU time of the whole machine and of this program with its reaped children, for
// telling how much other processes (say, a compiler) competed with a measurement. User mode
// only: kernel work done for us (write-back, loopback networking) is not mistaken for others.
struct CpuSnapshot {
  double machine_user_s = 0.0;  // /proc/stat: user + nice, all CPUs
  double ours_user_s = 0.0;     // getrusage: this program and its reaped children
};
CpuSnapshot cpu_snapshot();
// User-mode CPU seconds that other processes used between two snapshots.
double foreign_cpu_seconds(const CpuSnapshot& before, const CpuSnapshot& after);

// Directory of the running executable (/proc/self/exe).
std::filesystem::path executable_dir();

}  // namespace osteon::bench
