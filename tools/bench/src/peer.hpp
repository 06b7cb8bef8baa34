// DICOM peers for the benchmarks: a receiver (osteon or DCMTK's storescp) on a free loopback
// port with its own data directory, readiness by C-ECHO (echoscu), and parallel senders
// (storescu, one process per association).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "process.hpp"

namespace osteon::bench {

// Programs the benchmarks start. DCMTK tools are looked up in PATH unless given with a slash.
struct Tools {
  std::filesystem::path osteon;     // default: next to osteon-bench
  std::filesystem::path osteonctl;  // default: next to the osteon binary
  std::filesystem::path osteon_config;  // optional: passed to osteon as --config
  std::string storescp = "storescp";
  std::string storescu = "storescu";
  std::string echoscu = "echoscu";
};

enum class ReceiverKind { osteon, storescp };

std::string_view receiver_name(ReceiverKind kind);

struct StoredCount {
  std::uint64_t files = 0;      // DICOM files found in the data directory
  std::uint64_t bytes = 0;      // their total size
  std::int64_t indexed = -1;    // osteon only: "instances" from osteonctl stats --json
};

class Receiver {
 public:
  // Starts the receiver on a free port of 127.0.0.1 with `data_dir` (must not exist yet; it is
  // created) as its storage, answering to AE title `aet`; its output goes to log_dir.
  // max_associations: what the receiver must accept at once (osteon is told when above 16).
  static Receiver start(ReceiverKind kind, const Tools& tools, const std::string& aet,
                        const std::filesystem::path& data_dir, const std::filesystem::path& log_dir,
                        unsigned max_associations);

  // Polls with echoscu until the receiver answers, the receiver exits, or the timeout passes;
  // throws std::runtime_error with the log tail in the last two cases.
  void wait_ready(std::chrono::milliseconds timeout);

  // What the receiver holds now. Throws std::runtime_error when osteonctl fails.
  StoredCount stored() const;

  // SIGTERM, waits up to `grace`, SIGKILL after that. Returns the exit code.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(30));

  ReceiverKind kind() const { return kind_; }
  std::uint16_t port() const { return port_; }
  const std::string& aet() const { return aet_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  Process& process() { return process_; }

 private:
  ReceiverKind kind_ = ReceiverKind::osteon;
  const Tools* tools_ = nullptr;
  std::string aet_;
  std::uint16_t port_ = 0;
  std::filesystem::path data_dir_, log_dir_;
  Process process_;
};

struct SendResult {
  double seconds = 0.0;         // from starting the first sender to the exit of the last one
  bool timed_out = false;       // senders still running at the deadline were killed
  double cpu_seconds = 0.0;     // CPU time of all senders together
  std::vector<std::string> failures;  // one message (with log tail) per failed sender
};

// Runs one storescu per file list at once, all sending to `receiver`; file names are relative
// to `input_dir` (the senders' working directory). Logs are log_dir/storescu-<i>.log.
SendResult send_parallel(const Tools& tools, const Receiver& receiver, const std::filesystem::path& input_dir,
                         const std::vector<std::vector<std::string>>& file_lists,
                         const std::filesystem::path& log_dir, std::chrono::seconds timeout);

// Splits names into n lists of (almost) equal length, keeping the order within each list.
std::vector<std::vector<std::string>> split_evenly(const std::vector<std::string>& names, unsigned n);

}  // namespace osteon::bench
