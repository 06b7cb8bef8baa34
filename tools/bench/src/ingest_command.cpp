// osteon-bench ingest: C-STORE throughput of osteon against DCMTK's storescp, with N parallel
// storescu associations sending the same set of large DX files to each receiver in turn.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "command.hpp"
#include "input_set.hpp"
#include "peer.hpp"
#include "process.hpp"
#include "text_table.hpp"

namespace osteon::bench {

namespace fs = std::filesystem;

namespace {

constexpr const char* receiver_aet = "OSTEON";

struct IngestOptions {
  InputSpec input;
  std::vector<unsigned> associations{1, 4};
  std::vector<std::string> receivers{"osteon", "storescp"};
  fs::path work_dir = fs::temp_directory_path() / "osteon-bench";
  fs::path osteon, osteonctl, osteon_config, dcmtk_bin;
  unsigned timeout_s = 3600;
  bool keep = false;
  bool keep_input = false;
  bool nagle = false;
};

struct RunResult {
  ReceiverKind kind = ReceiverKind::osteon;
  unsigned associations = 0;
  double seconds = 0.0;
  double receiver_cpu_s = 0.0, sender_cpu_s = 0.0;
  double others_cpus = 0.0;  // CPUs' worth of time other processes used during the run
  std::vector<std::string> failures;
  bool ok() const { return failures.empty(); }
};

class IngestBench {
 public:
  explicit IngestBench(const IngestOptions& options) : options_(options) {}
  int run();

 private:
  void resolve_tools();
  void check_disk_space() const;
  RunResult run_one(ReceiverKind kind, unsigned associations);
  void verify(Receiver& receiver, RunResult& result) const;
  void report(const std::vector<RunResult>& results) const;
  void clean_up(bool failed) const;

  const IngestOptions& options_;
  Tools tools_;
  InputSet input_;
  fs::path logs_dir_, data_root_;
};

// Above this many CPUs' worth of foreign load a run is flagged as unreliable.
constexpr double noisy_threshold = 0.25;

std::string fixed(double v, int decimals) { return fmt::format("{:.{}f}", v, decimals); }

int IngestBench::run() {
  // DCMTK leaves Nagle's algorithm on unless TCP_NODELAY=1 is in the environment; then a receiver's
  // C-STORE-RSP waits for the sender's delayed ACK (~40 ms per image on Linux). Same setting for
  // every child (receivers and senders), set before any thread starts.
  if (options_.nagle) {
    ::unsetenv("TCP_NODELAY");
  } else {
    ::setenv("TCP_NODELAY", "1", 1);
  }
  for (unsigned n : options_.associations) {
    if (n > options_.input.count) {
      throw std::runtime_error(fmt::format("--associations {} is more than --count {}: every association needs a file",
                                           n, options_.input.count));
    }
  }
  resolve_tools();
  logs_dir_ = options_.work_dir / "logs";
  data_root_ = options_.work_dir / "data";
  fs::remove_all(logs_dir_);   // left by an earlier --keep run
  fs::remove_all(data_root_);  // receivers must start empty
  check_disk_space();
  fs::create_directories(options_.work_dir);
  input_ = prepare_input(options_.work_dir / "input", options_.input, std::cout);
  std::cout << fmt::format("Input: {} files, {} ({:.1f} MB); logs in {}\n\n", input_.names.size(),
                           format_bytes(input_.total_bytes), static_cast<double>(input_.total_bytes) / 1e6,
                           logs_dir_.string());
  std::vector<RunResult> results;
  for (unsigned n : options_.associations) {
    for (const auto& name : options_.receivers) {
      results.push_back(run_one(name == "osteon" ? ReceiverKind::osteon : ReceiverKind::storescp, n));
    }
  }
  report(results);
  bool failed = false;
  for (const auto& r : results) {
    if (r.ok()) continue;
    failed = true;
    std::cerr << fmt::format("\nFAILED: {} with {} association(s):\n", receiver_name(r.kind), r.associations);
    for (const auto& f : r.failures) std::cerr << "  - " << f << "\n";
  }
  clean_up(failed);
  return failed ? 1 : 0;
}

void IngestBench::resolve_tools() {
  const auto needs_osteon = std::find(options_.receivers.begin(), options_.receivers.end(), "osteon");
  tools_.osteon = options_.osteon.empty() ? executable_dir() / "osteon" : fs::absolute(options_.osteon);
  tools_.osteonctl =
      options_.osteonctl.empty() ? tools_.osteon.parent_path() / "osteonctl" : fs::absolute(options_.osteonctl);
  if (needs_osteon != options_.receivers.end()) {
    for (const auto& p : {tools_.osteon, tools_.osteonctl}) {
      if (::access(p.c_str(), X_OK) != 0) {
        throw std::runtime_error(fmt::format("{} is not an executable file; build it or pass --osteon/--osteonctl",
                                             p.string()));
      }
    }
  }
  if (!options_.osteon_config.empty()) tools_.osteon_config = fs::absolute(options_.osteon_config);
  if (!options_.dcmtk_bin.empty()) {
    tools_.storescp = (options_.dcmtk_bin / "storescp").string();
    tools_.storescu = (options_.dcmtk_bin / "storescu").string();
    tools_.echoscu = (options_.dcmtk_bin / "echoscu").string();
  }
}

void IngestBench::check_disk_space() const {
  const InputSpec& spec = options_.input;
  const std::uint64_t set_bytes = spec.estimated_file_bytes() * spec.count;
  const bool reuse = input_is_current(options_.work_dir / "input", spec);
  const std::uint64_t input_bytes = reuse ? 0 : set_bytes;
  // One receiver copy at a time (deleted after each run), plus 5% and 256 MiB of slack.
  const std::uint64_t receiver_bytes = set_bytes + set_bytes / 20 + (std::uint64_t{256} << 20);
  const std::uint64_t needed = input_bytes + receiver_bytes;
  const std::uint64_t free = free_disk_bytes(options_.work_dir);
  if (needed > free) {
    throw std::runtime_error(fmt::format(
        "not enough free disk space in {}: the run needs about {} ({} for the input{} + {} for one receiver's copy), "
        "but only {} is free. Use a smaller --count/--rows/--cols or a --work-dir on a bigger file system.",
        options_.work_dir.string(), format_bytes(needed), format_bytes(input_bytes),
        reuse ? ", already there" : "", format_bytes(receiver_bytes), format_bytes(free)));
  }
}

RunResult IngestBench::run_one(ReceiverKind kind, unsigned associations) {
  RunResult result;
  result.kind = kind;
  result.associations = associations;
  const std::string label = fmt::format("{}-{}", receiver_name(kind), associations);
  const fs::path log_dir = logs_dir_ / label;
  const fs::path data_dir = data_root_ / label;
  std::cout << fmt::format("{:<9} {:>2} association(s): ", receiver_name(kind), associations) << std::flush;
  ::sync();  // write-back left by the previous run is not billed to this one
  const CpuSnapshot cpu_before = cpu_snapshot();
  const auto window_start = std::chrono::steady_clock::now();
  try {
    Receiver receiver = Receiver::start(kind, tools_, receiver_aet, data_dir, log_dir, associations);
    receiver.wait_ready(std::chrono::seconds(20));
    const SendResult sent = send_parallel(tools_, receiver, input_.dir, split_evenly(input_.names, associations),
                                          log_dir, std::chrono::seconds(options_.timeout_s));
    result.seconds = sent.seconds;
    result.sender_cpu_s = sent.cpu_seconds;
    result.failures = sent.failures;
    verify(receiver, result);
    const int rc = receiver.stop();
    result.receiver_cpu_s = receiver.process().cpu_seconds();
    if (kind == ReceiverKind::osteon && rc != 0) {
      result.failures.push_back(fmt::format("osteon did not stop cleanly on SIGTERM ({}); its log {}:\n{}",
                                            describe_exit(rc), receiver.process().log_file().string(),
                                            tail_file(receiver.process().log_file())));
    }
  } catch (const std::exception& e) {
    result.failures.push_back(e.what());
  }
  const double window_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - window_start).count();
  result.others_cpus = foreign_cpu_seconds(cpu_before, cpu_snapshot()) / std::max(window_s, 1e-3);
  std::error_code ec;
  fs::remove_all(data_dir, ec);
  if (ec) result.failures.push_back(fmt::format("cannot remove {}: {}", data_dir.string(), ec.message()));
  const double images = static_cast<double>(input_.names.size());
  if (result.ok()) {
    std::cout << fmt::format("{:8.2f} s  {:7.1f} images/s  ok\n", result.seconds, images / result.seconds);
  } else {
    std::cout << "FAILED (details at the end)\n";
  }
  return result;
}

void IngestBench::verify(Receiver& receiver, RunResult& result) const {
  const StoredCount held = receiver.stored();
  const std::uint64_t expected = input_.names.size();
  if (held.files != expected) {
    result.failures.push_back(fmt::format("{} holds {} files in {}, expected {}; its log {}:\n{}",
                                          receiver_name(receiver.kind()), held.files, receiver.data_dir().string(),
                                          expected, receiver.process().log_file().string(),
                                          tail_file(receiver.process().log_file())));
  }
  if (receiver.kind() == ReceiverKind::osteon && held.indexed != static_cast<std::int64_t>(expected)) {
    result.failures.push_back(fmt::format("osteon's index (osteonctl stats) counts {} instances, expected {}",
                                          held.indexed, expected));
  }
}

void IngestBench::report(const std::vector<RunResult>& results) const {
  const double images = static_cast<double>(input_.names.size());
  const double megabytes = static_cast<double>(input_.total_bytes) / 1e6;
  std::cout << fmt::format("\nIngest: {} DX files of {} x {} ({:.1f} MB payload), over loopback\n\n", input_.names.size(),
                           options_.input.cols, options_.input.rows, megabytes);
  using A = TextTable::Align;
  TextTable table({"receiver", "associations", "images", "seconds", "images/s", "MB/s", "receiver CPU s",
                   "senders CPU s", "others CPUs", "result"},
                  {A::left, A::right, A::right, A::right, A::right, A::right, A::right, A::right, A::right, A::left});
  bool noisy = false;
  for (const auto& r : results) {
    const bool timed = r.seconds > 0.0;
    noisy = noisy || r.others_cpus > noisy_threshold;
    table.add_row({std::string(receiver_name(r.kind)), std::to_string(r.associations), fixed(images, 0),
                   timed ? fixed(r.seconds, 2) : "-", timed ? fixed(images / r.seconds, 1) : "-",
                   timed ? fixed(megabytes / r.seconds, 1) : "-", fixed(r.receiver_cpu_s, 1),
                   fixed(r.sender_cpu_s, 1), fixed(r.others_cpus, 2) + (r.others_cpus > noisy_threshold ? " !" : ""),
                   r.ok() ? "ok" : "FAILED"});
  }
  std::cout << table.render() << "\n";
  if (noisy) {
    std::cout << fmt::format("! Other processes used more than {:.2f} CPUs on average during this run (of {} CPUs);\n"
                             "  they competed with the measurement, so its time is not reliable. Repeat on a quiet machine.\n",
                             noisy_threshold, std::thread::hardware_concurrency());
  }
  auto result_of = [&](ReceiverKind kind, unsigned n) -> const RunResult* {
    for (const auto& r : results) {
      if (r.kind == kind && r.associations == n && r.ok() && r.seconds > 0.0) return &r;
    }
    return nullptr;
  };
  for (unsigned n : options_.associations) {
    const RunResult* o = result_of(ReceiverKind::osteon, n);
    const RunResult* s = result_of(ReceiverKind::storescp, n);
    if (o && s) {
      std::cout << fmt::format("{} association(s): osteon/storescp = {:.2f} (images/s)\n", n, s->seconds / o->seconds);
    }
  }
  std::cout << "MB = 10^6 bytes of input files; time = first storescu start to last storescu exit;\n"
               "CPU s = user + system seconds of the receiver process / all storescu processes; others CPUs =\n"
               "user-mode CPU seconds of every other process on the machine during the run / its wall time.\n"
               "Note: osteon fsyncs every file and its directory and commits the SQLite index (synchronous=FULL)\n"
               "before it answers each C-STORE; storescp (default settings) does not fsync at all.\n"
               "storescp (no --fork) serves one association at a time; further associations wait for it.\n";
  std::cout << (options_.nagle ? "Nagle's algorithm was left on (--nagle, DCMTK's default).\n"
                               : "Every process ran with TCP_NODELAY=1 (Nagle off; --nagle keeps DCMTK's default).\n");
  if (!tools_.osteon_config.empty()) std::cout << "osteon ran with --config " << tools_.osteon_config.string() << "\n";
}

void IngestBench::clean_up(bool failed) const {
  std::error_code ec;
  if (options_.keep) {
    std::cout << fmt::format("\nKept {} (--keep).\n", options_.work_dir.string());
    return;
  }
  fs::remove_all(data_root_, ec);
  if (failed) {
    std::cout << fmt::format("\nLogs kept for inspection in {}.\n", logs_dir_.string());
  } else {
    fs::remove_all(logs_dir_, ec);
  }
  if (options_.keep_input) {
    std::cout << fmt::format("\nInput kept in {} (--keep-input); the next run with the same parameters reuses it.\n",
                             input_.dir.string());
  } else {
    fs::remove_all(input_.dir, ec);
  }
  fs::remove(options_.work_dir, ec);  // only when empty: never delete what was there before
}

}  // namespace

Command add_ingest_command(CLI::App& root) {
  auto options = std::make_shared<IngestOptions>();
  CLI::App* app = root.add_subcommand("ingest", "C-STORE throughput: osteon against DCMTK's storescp");
  app->footer(
      "Generates --count synthetic DX files once (work-dir/input; reused by later runs with the same\n"
      "--count/--rows/--cols while it is kept), then for each association count N and each receiver starts\n"
      "the receiver on a free 127.0.0.1 port with an empty data directory, waits for C-ECHO, sends all\n"
      "files with N parallel storescu processes (the files split evenly), measures the wall time from the\n"
      "first storescu start to the last exit, checks that every storescu succeeded and that the receiver\n"
      "holds every file (osteon: also its index via osteonctl stats), stops it and deletes its data.\n"
      "Needs free disk for the input plus one receiver copy (checked first).");
  app->add_option("--count", options->input.count, "Number of DX files to send")
      ->capture_default_str()->check(CLI::Range(1u, 10000000u));
  app->add_option("--rows", options->input.rows, "Rows of each image")
      ->capture_default_str()->check(CLI::Range(1u, 65535u));
  app->add_option("--cols", options->input.cols, "Columns of each image")
      ->capture_default_str()->check(CLI::Range(1u, 65535u));
  app->add_option("--associations", options->associations,
                  "Comma-separated numbers of parallel associations (storescu processes) to measure")
      ->capture_default_str()->delimiter(',')->check(CLI::Range(1u, 256u));
  app->add_option("--receivers", options->receivers, "Comma-separated receivers to measure")
      ->capture_default_str()->delimiter(',')->check(CLI::IsMember({"osteon", "storescp"}));
  app->add_option("--work-dir", options->work_dir,
                  "Working directory: input/ (generated files), data/ (receiver storage, one run at a time),\n"
                  "logs/ (receiver, storescu, echoscu and osteonctl output)")
      ->capture_default_str();
  app->add_option("--osteon", options->osteon, "osteon binary (default: the one next to osteon-bench)");
  app->add_option("--osteonctl", options->osteonctl, "osteonctl binary (default: the one next to the osteon binary)");
  app->add_option("--osteon-config", options->osteon_config,
                  "Configuration file passed to osteon as --config (the command-line settings above still win);\n"
                  "e.g. one with storage.fsync = false to see what fsync costs")
      ->check(CLI::ExistingFile);
  app->add_option("--dcmtk-bin", options->dcmtk_bin,
                  "Directory holding storescp, storescu and echoscu (default: found in PATH)");
  app->add_option("--timeout", options->timeout_s, "Seconds one run's senders may take before they are killed")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app->add_flag("--keep", options->keep, "Keep the whole work directory (input and logs) at the end");
  app->add_flag("--keep-input", options->keep_input,
                "Keep only the generated input at the end, so that the next run skips generating it\n"
                "(logs are always kept when a run failed)");
  app->add_flag("--nagle", options->nagle,
                "Run every DCMTK process (and osteon) with Nagle's algorithm on, DCMTK's default, instead of\n"
                "TCP_NODELAY=1; each C-STORE response then tends to wait ~40 ms for a delayed ACK");
  return {app, [options] { return IngestBench(*options).run(); }};
}

}  // namespace osteon::bench
