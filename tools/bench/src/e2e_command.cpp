// osteon-bench e2e: end-to-end CPU latency per body part, from the moment osteon received an
// image (its index row) to the moment the findings were committed, over images sent one at a
// time at a steady rate; plus the per-stage split the pipelines record.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "peer.hpp"
#include "process.hpp"
#include "text_table.hpp"

namespace osteon::bench {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct E2eOptions {
  unsigned count = 100;           // images per body part
  unsigned interval_ms = 1000;    // one image sent every interval
  unsigned seed = 2026;
  fs::path models_dir = fs::path(OSTEON_BENCH_SOURCE_DIR) / "models";
  fs::path work_dir = fs::temp_directory_path() / "osteon-bench-e2e";
  fs::path osteon;
  bool keep = false;
};

// Milliseconds since the epoch of "2026-11-21T10:00:00.123Z".
double epoch_ms(const std::string& iso) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec, &ms) != 7) {
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(timegm(&tm)) * 1000.0 + ms;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(std::min<double>(static_cast<double>(v.size() - 1), p * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

json ctl(const fs::path& osteonctl, const fs::path& data, const std::string& what, const fs::path& log) {
  auto p = Process::spawn({osteonctl.string(), "--data-dir", data.string(), "--json", what, "--limit", "100000"}, log);
  if (p.wait() != 0) throw std::runtime_error("osteonctl " + what + " failed: " + tail_file(log));
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return json::parse(text);
}

int run_e2e(const E2eOptions& o) {
  fs::remove_all(o.work_dir);
  fs::create_directories(o.work_dir / "logs");
  Tools tools;
  tools.osteon = o.osteon.empty() ? fs::path(OSTEON_BENCH_BINARY_DIR) / "osteon" : o.osteon;
  tools.osteonctl = tools.osteon.parent_path() / "osteonctl";
  const fs::path phantom = tools.osteon.parent_path() / "osteon-phantom";
  const fs::path config = o.work_dir / "osteon.toml";
  std::ofstream(config) << "[inference]\nmodels_dir = \"" << fs::absolute(o.models_dir).string() << "\"\n";
  tools.osteon_config = config;

  std::vector<fs::path> files;
  for (const std::string kind : {"hand", "skull", "hip"}) {
    const fs::path out = o.work_dir / "input" / kind;
    std::cout << "generating " << o.count << " " << kind << " phantoms\n" << std::flush;
    auto gen = Process::spawn({phantom.string(), "--kind", kind, "--count", std::to_string(o.count), "--seed",
                               std::to_string(o.seed), "--out", out.string(), "--quiet"},
                              o.work_dir / "logs" / (kind + "-phantom.log"));
    if (gen.wait() != 0) throw std::runtime_error("osteon-phantom failed: " + tail_file(gen.log_file()));
    for (unsigned i = 0; i < o.count; ++i) files.push_back(out / fmt::format("{}_{:06}.dcm", kind, i));
  }
  // Interleave the kinds, as a real worklist would.
  std::vector<fs::path> order;
  for (unsigned i = 0; i < o.count; ++i) {
    for (unsigned k = 0; k < 3; ++k) order.push_back(files[k * o.count + i]);
  }

  auto node = Receiver::start(ReceiverKind::osteon, tools, "OSTEON", o.work_dir / "data", o.work_dir / "logs", 16);
  node.wait_ready(std::chrono::seconds(120));
  std::cout << "sending " << order.size() << " images, one every " << o.interval_ms << " ms\n" << std::flush;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < order.size(); ++i) {
    std::this_thread::sleep_until(start + std::chrono::milliseconds(o.interval_ms) * i);
    auto s = Process::spawn({tools.storescu, "-aec", "OSTEON", "127.0.0.1", std::to_string(node.port()), order[i].string()},
                            o.work_dir / "logs" / "storescu.log");
    if (s.wait() != 0) throw std::runtime_error("storescu failed: " + tail_file(s.log_file()));
    if ((i + 1) % 30 == 0) std::cout << "  sent " << (i + 1) << "/" << order.size() << "\n" << std::flush;
  }
  // Wait for every job to end (done, not-analysable or failed).
  std::size_t ended = 0;
  std::size_t failed = 0;
  for (int i = 0; i < 3000; ++i) {
    const json jobs = ctl(tools.osteonctl, node.data_dir(), "jobs", o.work_dir / "logs" / "ctl.log");
    ended = 0;
    failed = 0;
    for (const auto& j : jobs) {
      const auto state = j["state"].get<std::string>();
      ended += state == "done" || state == "not-analysable" || state == "failed";
      failed += state == "failed";
    }
    if (jobs.size() >= order.size() && ended == jobs.size()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (failed > 0) std::cout << "warning: " << failed << " jobs failed (see osteonctl jobs --state failed)\n";
  const json findings = ctl(tools.osteonctl, node.data_dir(), "findings", o.work_dir / "logs" / "ctl.log");
  const json instances = ctl(tools.osteonctl, node.data_dir(), "instances", o.work_dir / "logs" / "ctl.log");
  node.stop();
  std::map<std::string, double> received;
  for (const auto& row : instances) {
    if (row["sop_instance_uid"].is_string() && row["received_at"].is_string())
      received[row["sop_instance_uid"].get<std::string>()] = epoch_ms(row["received_at"].get<std::string>());
  }

  struct Stats {
    std::vector<double> latency;
    std::map<std::string, std::vector<double>> stages;
    int done = 0, not_analysable = 0;
  };
  std::map<std::string, Stats> by_pipeline;
  for (const auto& f : findings) {
    if (!f["pipeline"].is_string() || !f["timings"].is_string() || !f["created_at"].is_string()) continue;
    auto& s = by_pipeline[f["pipeline"].get<std::string>()];
    (f["outcome"] == "done" ? s.done : s.not_analysable)++;
    const auto it = received.find(f["sop_instance_uid"].get<std::string>());
    if (it != received.end()) s.latency.push_back(epoch_ms(f["created_at"].get<std::string>()) - it->second);
    const json timings = json::parse(f["timings"].get<std::string>());  // kept alive for the loop
    for (const auto& [stage, ms] : timings.items()) {
      if (ms.is_number()) s.stages[stage].push_back(ms.get<double>());
    }
  }
  TextTable table({"pipeline", "images", "done", "not analysable", "p50 ms", "p95 ms", "max ms"},
                  {TextTable::Align::left, TextTable::Align::right, TextTable::Align::right, TextTable::Align::right,
                   TextTable::Align::right, TextTable::Align::right, TextTable::Align::right});
  for (const auto& [name, s] : by_pipeline) {
    table.add_row({name, std::to_string(s.latency.size()), std::to_string(s.done), std::to_string(s.not_analysable),
                   fmt::format("{:.0f}", percentile(s.latency, 0.5)), fmt::format("{:.0f}", percentile(s.latency, 0.95)),
                   fmt::format("{:.0f}", percentile(s.latency, 1.0))});
  }
  std::cout << "\nEnd-to-end latency, C-STORE received (index row) -> findings committed, CPU:\n" << table.render();
  TextTable stages({"pipeline", "stage", "p50 ms", "p95 ms", "mean ms"},
                   {TextTable::Align::left, TextTable::Align::left, TextTable::Align::right, TextTable::Align::right,
                    TextTable::Align::right});
  for (const auto& [name, s] : by_pipeline) {
    for (const auto& [stage, v] : s.stages) {
      double mean = 0;
      for (double x : v) mean += x;
      mean /= static_cast<double>(std::max<std::size_t>(1, v.size()));
      stages.add_row({name, stage, fmt::format("{:.1f}", percentile(v, 0.5)), fmt::format("{:.1f}", percentile(v, 0.95)),
                      fmt::format("{:.1f}", mean)});
    }
  }
  std::cout << "\nPer-stage split (the pipelines' own timings; 'total' includes the job's result objects):\n"
            << stages.render();
  if (!o.keep) fs::remove_all(o.work_dir);
  return ended >= order.size() ? 0 : 1;
}

} // namespace

Command add_e2e_command(CLI::App& root) {
  auto options = std::make_shared<E2eOptions>();
  auto* sub = root.add_subcommand("e2e", "End-to-end latency per body part: images sent at a steady rate through "
                                         "osteon (routing, job, pipeline, result objects), p50/p95 and per-stage split");
  sub->add_option("--count", options->count, "Phantoms per body part (default 100)");
  sub->add_option("--interval-ms", options->interval_ms, "Milliseconds between images (default 1000)");
  sub->add_option("--seed", options->seed, "Phantom seed (default 2026)");
  sub->add_option("--models", options->models_dir, "Models directory (default: the source tree's models/)");
  sub->add_option("--work-dir", options->work_dir, "Scratch directory (removed at the end unless --keep)");
  sub->add_option("--osteon", options->osteon, "osteon binary (default: next to osteon-bench)");
  sub->add_flag("--keep", options->keep, "Keep the work directory");
  return {sub, [options] { return run_e2e(*options); }};
}

} // namespace osteon::bench
