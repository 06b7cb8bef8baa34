#include "process.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>

namespace osteon::bench {

namespace fs = std::filesystem;

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
