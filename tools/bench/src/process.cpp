#include "process.hpp"

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
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

namespace osteon::bench {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void sys_fail(const std::string& what) {
  throw std::runtime_error(fmt::format("{}: {}", what, std::strerror(errno)));
}

// Only async-signal-safe calls between fork and exec.
[[noreturn]] void exec_child(int log_fd, int null_fd, const char* cwd, char* const* argv) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::dup2(null_fd, STDIN_FILENO);
  ::dup2(log_fd, STDOUT_FILENO);
  ::dup2(log_fd, STDERR_FILENO);
  if (cwd != nullptr && ::chdir(cwd) != 0) {
    static const char msg[] = "osteon-bench: cannot change to the working directory\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::execvp(argv[0], argv);
  static const char msg[] = "osteon-bench: cannot execute ";
  static const char hint[] = " (not installed, not executable or not in PATH?)\n";
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
  n = ::write(STDERR_FILENO, argv[0], std::strlen(argv[0]));
  n = ::write(STDERR_FILENO, hint, sizeof hint - 1);
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

Process Process::spawn(const std::vector<std::string>& argv, const fs::path& log_file, const fs::path& cwd) {
  if (argv.empty()) throw std::invalid_argument("Process::spawn: empty command line");
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string cwd_text = cwd.string();

  const int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) sys_fail(fmt::format("cannot open log file {}", log_file.string()));
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    ::close(log_fd);
    sys_fail("cannot open /dev/null");
  }
  const pid_t pid = ::fork();
  if (pid == 0) exec_child(log_fd, null_fd, cwd_text.empty() ? nullptr : cwd_text.c_str(), args.data());
  const int fork_errno = errno;
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0) {
    errno = fork_errno;
    sys_fail(fmt::format("cannot start {}", argv.front()));
  }
  Process p;
  p.pid_ = pid;
  p.argv_ = argv;
  p.log_file_ = log_file;
  return p;
}

Process::Process(Process&& other) noexcept
    : pid_(other.pid_), exit_code_(other.exit_code_), cpu_seconds_(other.cpu_seconds_), argv_(std::move(other.argv_)),
      log_file_(std::move(other.log_file_)) {
  other.pid_ = -1;
}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    release();
    pid_ = other.pid_;
    exit_code_ = other.exit_code_;
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
    return fmt::format("killed by signal {} ({})", sig, ::strsignal(sig));
  }
  if (exit_code == 127) return "exit code 127 (could not be executed)";
  return fmt::format("exit code {}", exit_code);
}

std::uint16_t find_free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) sys_fail("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    ::close(fd);
    errno = err;
    sys_fail("cannot find a free port on 127.0.0.1");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
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

CpuSnapshot cpu_snapshot() {
  CpuSnapshot snap;
  std::ifstream stat("/proc/stat");
  std::string cpu;
  unsigned long long user = 0, nice = 0;
  if (stat >> cpu >> user >> nice && cpu == "cpu") {
    snap.machine_user_s = static_cast<double>(user + nice) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }
  auto user_seconds = [](int who) {
    rusage ru{};
    if (::getrusage(who, &ru) != 0) return 0.0;
    return static_cast<double>(ru.ru_utime.tv_sec) + static_cast<double>(ru.ru_utime.tv_usec) / 1e6;
  };
  snap.ours_user_s = user_seconds(RUSAGE_SELF) + user_seconds(RUSAGE_CHILDREN);
  return snap;
}

double foreign_cpu_seconds(const CpuSnapshot& before, const CpuSnapshot& after) {
  const double machine = after.machine_user_s - before.machine_user_s;
  const double ours = after.ours_user_s - before.ours_user_s;
  return std::max(0.0, machine - ours);
}

fs::path executable_dir() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : self.parent_path();
}

}  // namespace osteon::bench
