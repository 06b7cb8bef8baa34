// Child processes for the benchmarks: the shared osteon_process library (tools/common: spawn with
// a log file, wait, graceful stop, free port, tail of a log), plus what only the benchmarks need:
// how much CPU other programs used meanwhile, and the directory of osteon-bench itself.
#pragma once

#include <filesystem>

#include "osteon/common/process.hpp"

namespace osteon::bench {

using proc::describe_exit;
using proc::free_port;
using proc::Process;
using proc::tail_file;

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
