#include "osteon/common/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace osteon::proc {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void sys_fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

void write_stderr(const char* text) {
  [[maybe_unused]] const auto n = ::write(STDERR_FILENO, text, std::strlen(text));
}

// Only async-signal-safe calls between fork and exec; `self` names this program in messages.
[[noreturn]] void exec_child(int log_fd, int null_fd, const char* cwd, char* const* argv, const char* self) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed parent must not leave its children running
  ::dup2(null_fd, STDIN_FILENO);
  ::dup2(log_fd, STDOUT_FILENO);
  ::dup2(log_fd, STDERR_FILENO);
  if (cwd != nullptr && ::chdir(cwd) != 0) {
    write_stderr(self);
    write_stderr(": cannot change to the working directory\n");
    ::_exit(127);
  }
  ::execvp(argv[0], argv);
  write_stderr(self);
  write_stderr(": cannot execute ");
  write_stderr(argv[0]);
  write_stderr(" (not installed, not executable or not in PATH?)\n");
  ::_exit(127);
}

double seconds_of(const rusage& ru) {
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

}  // namespace

Process Process::spawn(const std::vector<std::string>& argv, const fs::path& log_file, const fs::path& cwd,
                       LogMode mode) {
  if (argv.empty()) throw std::invalid_argument("Process::spawn: empty command line");
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string cwd_text = cwd.string();
  const char* self = program_invocation_short_name;

  const int log_flags = O_WRONLY | O_CREAT | O_CLOEXEC | (mode == LogMode::append ? O_APPEND : O_TRUNC);
  const int log_fd = ::open(log_file.c_str(), log_flags, 0644);
  if (log_fd < 0) sys_fail("cannot open log file " + log_file.string());
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    ::close(log_fd);
    sys_fail("cannot open /dev/null");
  }
  // O_CLOEXEC is dropped by dup2 in the child.
  const pid_t pid = ::fork();
  if (pid == 0) exec_child(log_fd, null_fd, cwd_text.empty() ? nullptr : cwd_text.c_str(), args.data(), self);
  const int fork_errno = errno;
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0) {
    errno = fork_errno;
    sys_fail("cannot start " + argv.front());
  }
  Process p;
  p.pid_ = pid;
  p.argv_ = argv;
  p.log_file_ = log_file;
  return p;
}

Process::Process(Process&& other) noexcept
    : pid_(other.pid_), exit_code_(other.exit_code_), killed_by_signal_(other.killed_by_signal_),
      cpu_seconds_(other.cpu_seconds_), argv_(std::move(other.argv_)), log_file_(std::move(other.log_file_)) {
  other.pid_ = -1;
}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    release();
    pid_ = other.pid_;
    exit_code_ = other.exit_code_;
    killed_by_signal_ = other.killed_by_signal_;
    cpu_seconds_ = other.cpu_seconds_;
    argv_ = std::move(other.argv_);
    log_file_ = std::move(other.log_file_);
    other.pid_ = -1;
  }
  return *this;
}

Process::~Process() { release(); }

void Process::release() {
  if (pid_ > 0 && !exit_code_) {
    ::kill(pid_, SIGKILL);
    reap(true);
  }
  pid_ = -1;
}

bool Process::reap(bool block) {
  if (pid_ <= 0 || exit_code_) return true;
  int status = 0;
  for (;;) {
    rusage ru{};
    const pid_t r = ::wait4(pid_, &status, block ? 0 : WNOHANG, &ru);
    if (r == pid_) {
      exit_code_ = decode_status(status);
      killed_by_signal_ = WIFSIGNALED(status);
      cpu_seconds_ = seconds_of(ru);
      return true;
    }
    if (r == 0) return false;
    if (errno == EINTR) continue;
    exit_code_ = 255;  // ECHILD: nothing left to wait for
    return true;
  }
}

bool Process::running() { return !reap(false); }

int Process::wait() {
  reap(true);
  return exit_code_.value_or(255);
}

std::optional<int> Process::wait_for(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (!reap(false)) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  return exit_code_;
}

int Process::stop(std::chrono::milliseconds grace) {
  if (pid_ > 0 && !exit_code_) {
    ::kill(pid_, SIGTERM);
    if (!wait_for(grace)) {
      ::kill(pid_, SIGKILL);
      reap(true);
    }
  }
  return exit_code_.value_or(255);
}

void Process::signal(int signo) {
  if (pid_ > 0 && !exit_code_) ::kill(pid_, signo);
}

std::string Process::command_line(std::size_t max_chars) const {
  std::string line;
  for (const auto& a : argv_) {
    if (!line.empty()) line += ' ';
    line += a;
    if (line.size() > max_chars) return line.substr(0, max_chars) + " ...";
  }
  return line;
}

std::string describe_exit(int exit_code) {
  if (exit_code > 128 && exit_code < 128 + 65) {
    const int sig = exit_code - 128;
    return "killed by signal " + std::to_string(sig) + " (" + ::strsignal(sig) + ")";
  }
  if (exit_code == 127) return "exit code 127 (could not be executed)";
  return "exit code " + std::to_string(exit_code);
}

std::uint16_t free_port() {
  static std::mutex mutex;
  static std::set<std::uint16_t> given;
  const std::lock_guard lock(mutex);
  std::vector<int> held;
  auto close_held = [&held] {
    for (const int fd : held) ::close(fd);
  };
  std::uint16_t port = 0;
  for (int attempt = 0; attempt < 64; ++attempt) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      const int err = errno;
      close_held();
      errno = err;
      sys_fail("socket");
    }
    held.push_back(fd);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      const int err = errno;
      close_held();
      errno = err;
      sys_fail("cannot find a free port on 127.0.0.1");
    }
    port = ntohs(addr.sin_port);
    if (given.insert(port).second) break;
  }
  close_held();
  return port;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string tail_file(const fs::path& file, std::size_t lines) {
  std::ifstream in(file);
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    last.push_back(std::move(line));
    if (last.size() > lines) last.pop_front();
  }
  if (last.empty()) return "    (log is empty)\n";
  std::string out;
  for (const auto& l : last) out += "    | " + l + "\n";
  return out;
}

}  // namespace osteon::proc
