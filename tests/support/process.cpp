#include "process.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace osteon::test {

namespace {

pid_t spawn(const std::vector<std::string>& argv, int out_fd) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test must not leave nodes running
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(out_fd, STDERR_FILENO);
    const int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, STDIN_FILENO);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

int decode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

} // namespace

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

Process::Process(const std::vector<std::string>& argv, const fs::path& log_file) : log_file_(log_file) {
  const int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot open " + log_file.string());
  // O_CLOEXEC is dropped by dup2 in the child.
  pid_ = spawn(argv, fd);
  ::close(fd);
}

Process::~Process() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait_for(std::chrono::seconds(10));
  }
}

void Process::signal(int signo) {
  if (!reaped_) ::kill(pid_, signo);
}

std::optional<int> Process::wait_for(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reaped_) {
    const pid_t r = ::waitpid(pid_, &status_, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return decode(status_);
}

bool Process::running() { return !wait_for(std::chrono::milliseconds(0)).has_value(); }

std::string Process::log() const { return read_file(log_file_); }

int free_port() {
  // The kernel may hand the same port to consecutive bind(0) calls once the first socket is
  // closed (it happened: Orthanc got one port for DICOM and HTTP), so never repeat one here;
  // sockets stay bound while we look, which forces a different port on each try.
  static std::mutex mutex;
  static std::set<int> given;
  const std::lock_guard lock(mutex);
  std::vector<int> held;
  int port = 0;
  for (int attempt = 0; attempt < 64; ++attempt) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    held.push_back(fd);
    port = ntohs(addr.sin_port);
    if (given.insert(port).second) break;
  }
  for (const int fd : held) ::close(fd);
  return port;
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

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace osteon::test
