// Child processes for the programs and tests around the node (osteon-bench, tests/support):
// fork/execvp with stdout and stderr sent to a log file, waiting with or without a deadline,
// graceful stop (SIGTERM, then SIGKILL), free loopback ports and reading logs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace osteon::proc {

// What spawn does with an existing log file: start it again, or add to it (a restarted server
// writing to the same log).
enum class LogMode { truncate, append };

class Process {
 public:
  // Starts argv[0] (looked up in PATH when it has no slash) with the given arguments.
  // stdout and stderr go to log_file (created when missing), stdin is /dev/null; a non-empty
  // cwd is the child's working directory. The child gets SIGKILL if this program dies.
  // Throws std::runtime_error when the log cannot be opened or fork fails; a program that
  // cannot be executed shows up as exit code 127 with the reason in its log.
  static Process spawn(const std::vector<std::string>& argv, const std::filesystem::path& log_file,
                       const std::filesystem::path& cwd = {}, LogMode mode = LogMode::truncate);

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
  // Sends `signo` to a child that has not been reaped yet.
  void signal(int signo);

  // Exit status once known: the exit code, or 128 + signal number when killed by a signal.
  std::optional<int> exit_code() const { return exit_code_; }
  // True once the child is known to have ended by a signal.
  bool killed_by_signal() const { return killed_by_signal_; }
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
  bool killed_by_signal_ = false;
  double cpu_seconds_ = 0.0;
  std::vector<std::string> argv_;
  std::filesystem::path log_file_;
};

// "exit code 3", "killed by signal 9 (Killed)", ...
std::string describe_exit(int exit_code);

// A TCP port on 127.0.0.1 that was free a moment ago (bind port 0, read it back). Never the same
// port twice in one program: the kernel may hand out a just-closed port again (Orthanc once got
// one port for DICOM and HTTP), so the sockets stay bound while looking.
std::uint16_t free_port();

// The whole content of a file ("" when it cannot be read).
std::string read_file(const std::filesystem::path& file);
// The last `lines` lines of a text file, each indented as "    | line" for messages.
std::string tail_file(const std::filesystem::path& file, std::size_t lines = 20);

}  // namespace osteon::proc
