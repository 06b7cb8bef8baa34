#include "peer.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace osteon::bench {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* calling_aet = "OSTEON-BENCH";

// Regular files under dir, skipping a directory named `skip` (osteon's spool/.tmp).
StoredCount count_files(const fs::path& dir, std::string_view skip) {
  StoredCount count;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_directory() && it->path().filename() == skip) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    ++count.files;
    count.bytes += it->file_size();
  }
  if (ec) throw std::runtime_error(fmt::format("cannot list {}: {}", dir.string(), ec.message()));
  return count;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Lines of a DCMTK tool's log that report an error ("E: ..." or "F: ...").
std::vector<std::string> error_lines(const fs::path& log) {
  std::vector<std::string> lines;
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("E: ", 0) == 0 || line.rfind("F: ", 0) == 0) lines.push_back(line);
  }
  return lines;
}

}  // namespace

std::string_view receiver_name(ReceiverKind kind) {
  return kind == ReceiverKind::osteon ? "osteon" : "storescp";
}

Receiver Receiver::start(ReceiverKind kind, const Tools& tools, const std::string& aet, const fs::path& data_dir,
                         const fs::path& log_dir, unsigned max_associations) {
  if (fs::exists(data_dir)) {
    throw std::runtime_error(fmt::format("data directory {} already exists; it must start empty", data_dir.string()));
  }
  fs::create_directories(data_dir);
  fs::create_directories(log_dir);
  Receiver r;
  r.kind_ = kind;
  r.tools_ = &tools;
  r.aet_ = aet;
  r.port_ = free_port();
  r.data_dir_ = data_dir;
  r.log_dir_ = log_dir;
  const std::string port = std::to_string(r.port_);
  std::vector<std::string> argv;
  if (kind == ReceiverKind::osteon) {
    argv = {tools.osteon.string(), "--port", port, "--data-dir", data_dir.string(), "--aet", aet,
            "--min-free-mb", "0", "--log-level", "warn", "--http-port", "0"};  // several may run at once
    if (!tools.osteon_config.empty()) argv.insert(argv.end(), {"--config", tools.osteon_config.string()});
    if (max_associations > 16) {
      argv.insert(argv.end(), {"--max-associations", std::to_string(max_associations)});
    }
  } else {
    // Defaults on purpose: storescp writes each file without fsync, which is the comparison.
    argv = {tools.storescp, "--aetitle", aet, "--output-directory", data_dir.string(), port};
  }
  r.process_ = Process::spawn(argv, log_dir / fmt::format("{}.log", receiver_name(kind)));
  return r;
}

void Receiver::wait_ready(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const fs::path log = log_dir_ / "echoscu.log";
  for (;;) {
    if (!process_.running()) {
      throw std::runtime_error(fmt::format("{} exited during start-up ({}); its log {}:\n{}", receiver_name(kind_),
                                           describe_exit(*process_.exit_code()), process_.log_file().string(),
                                           tail_file(process_.log_file())));
    }
    Process echo = Process::spawn({tools_->echoscu, "-aet", calling_aet, "-aec", aet_, "127.0.0.1",
                                   std::to_string(port_)},
                                  log);
    const auto rc = echo.wait_for(std::chrono::seconds(10));
    if (rc && *rc == 0) return;
    if (rc && *rc == 127) {
      throw std::runtime_error(fmt::format("cannot run {}:\n{}", tools_->echoscu, tail_file(log)));
    }
    if (rc && read_file(log).find("Rejected Permanent") != std::string::npos) {
      throw std::runtime_error(fmt::format("{} on port {} rejected the association permanently; echoscu said:\n{}",
                                           receiver_name(kind_), port_, tail_file(log, 5)));
    }
    if (Clock::now() >= deadline) {
      throw std::runtime_error(fmt::format(
          "{} on port {} did not answer C-ECHO within {} s; echoscu said:\n{}  {} log {}:\n{}", receiver_name(kind_),
          port_, timeout.count() / 1000, tail_file(log, 5), receiver_name(kind_), process_.log_file().string(),
          tail_file(process_.log_file())));
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
}

StoredCount Receiver::stored() const {
  if (kind_ == ReceiverKind::storescp) return count_files(data_dir_, {});
  StoredCount count = count_files(data_dir_ / "spool", ".tmp");
  const fs::path log = log_dir_ / "osteonctl.log";
  Process ctl = Process::spawn({tools_->osteonctl.string(), "--data-dir", data_dir_.string(), "--json", "stats"}, log);
  const auto rc = ctl.wait_for(std::chrono::seconds(60));
  if (!rc || *rc != 0) {
    throw std::runtime_error(fmt::format("osteonctl stats failed ({}):\n{}",
                                         rc ? describe_exit(*rc) : "timed out", tail_file(log)));
  }
  const std::string text = read_file(log);
  const auto open = text.find('{');
  const auto close = text.rfind('}');
  try {
    if (open == std::string::npos || close == std::string::npos || close < open) throw std::runtime_error("no object");
    const auto json = nlohmann::json::parse(text.substr(open, close - open + 1));
    count.indexed = json.at("instances").get<std::int64_t>();
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("cannot read osteonctl stats --json output ({}):\n{}", e.what(),
                                         tail_file(log)));
  }
  return count;
}

int Receiver::stop(milliseconds grace) { return process_.stop(grace); }

SendResult send_parallel(const Tools& tools, const Receiver& receiver, const fs::path& input_dir,
                         const std::vector<std::vector<std::string>>& file_lists, const fs::path& log_dir,
                         std::chrono::seconds timeout) {
  fs::create_directories(log_dir);
  std::vector<Process> senders;
  senders.reserve(file_lists.size());
  SendResult result;
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  for (std::size_t i = 0; i < file_lists.size(); ++i) {
    // A receiver that serves one association at a time (storescp without --fork) leaves the others
    // waiting for their A-ASSOCIATE-AC: let them wait as long as the run may last (default 30 s).
    std::vector<std::string> argv = {tools.storescu, "-aet", calling_aet, "-aec", receiver.aet(),
                                     "--acse-timeout", std::to_string(timeout.count()), "127.0.0.1",
                                     std::to_string(receiver.port())};
    argv.insert(argv.end(), file_lists[i].begin(), file_lists[i].end());
    senders.push_back(Process::spawn(argv, log_dir / fmt::format("storescu-{}.log", i + 1), input_dir));
  }
  for (auto& sender : senders) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (!sender.wait_for(std::max(left, milliseconds(0)))) result.timed_out = true;
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (std::size_t i = 0; i < senders.size(); ++i) {
    auto& sender = senders[i];
    result.cpu_seconds += sender.cpu_seconds();
    if (!sender.exit_code()) {
      sender.stop(milliseconds(2000));
      result.failures.push_back(fmt::format("storescu #{} still running after {} s; killed. Its log {}:\n{}", i + 1,
                                            timeout.count(), sender.log_file().string(),
                                            tail_file(sender.log_file())));
      continue;
    }
    const auto errors = error_lines(sender.log_file());
    if (*sender.exit_code() != 0 || !errors.empty()) {
      result.failures.push_back(fmt::format("storescu #{} ({} files) failed: {}{}. Its log {}:\n{}", i + 1,
                                            file_lists[i].size(), describe_exit(*sender.exit_code()),
                                            errors.empty() ? "" : fmt::format(", {} error lines", errors.size()),
                                            sender.log_file().string(), tail_file(sender.log_file())));
    }
  }
  return result;
}

std::vector<std::vector<std::string>> split_evenly(const std::vector<std::string>& names, unsigned n) {
  std::vector<std::vector<std::string>> lists(n);
  for (unsigned k = 0; k < n; ++k) {
    const std::size_t begin = names.size() * k / n;
    const std::size_t end = names.size() * (k + 1) / n;
    lists[k].assign(names.begin() + static_cast<std::ptrdiff_t>(begin),
                    names.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return lists;
}

}  // namespace osteon::bench
