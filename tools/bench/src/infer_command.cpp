// osteon-bench infer: throughput and latency of one model on the inference runtime, at batch
// sizes 1..32 (Model::run directly: host tensor in, host tensor out, copies included), then
// optionally through the dynamic-batching scheduler with concurrent single-image clients.
// Prints images/s, p50/p99 latency per batch and, on CUDA, device memory in use.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "command.hpp"
#include "osteon/core/error.hpp"
#include "osteon/inference/registry.hpp"
#include "osteon/inference/scheduler.hpp"
#include "osteon/inference/torch_backend.hpp"
#include "text_table.hpp"

namespace osteon::bench {

namespace {

using Clock = std::chrono::steady_clock;
using namespace osteon::inference;

struct InferOptions {
  std::string model;
  std::string models_dir = "models";
  std::string device = "auto";
  std::vector<int> batch_sizes{1, 2, 4, 8, 16, 32};
  int threads = 0;
  double seconds = 3.0;
  int min_iterations = 10;
  int warmup = 2;
  bool fp32 = false;
  int clients = 0;
  int client_max_batch = 32;
  int max_queue_delay_us = 2000;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(rank, v.size() - 1)];
}

double ms_since(Clock::time_point start) { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); }

/// CPU time of the whole process (all threads), ms: on a shared machine, wall-clock throughput
/// depends on the neighbours; CPU time per image much less.
double process_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::string cpu_name() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown CPU";
}

std::string memory_cell() {
  const auto mem = cuda_device_memory();
  if (!mem) return "-";
  return fmt::format("{:.0f}", static_cast<double>(mem->used_bytes) / (1024.0 * 1024.0));
}

Tensors random_batch(const Manifest& manifest, int batch, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(manifest.input.value_min, manifest.input.value_max);
  Tensors inputs;
  for (const Shape& item : manifest.input_shapes()) {
    Shape shape{batch};
    shape.insert(shape.end(), item.begin(), item.end());
    Tensor t(std::move(shape));
    if (inputs.empty())
      for (auto& v : t.values()) v = u(rng);
    inputs.push_back(std::move(t));
  }
  return inputs;
}

int run_infer(const InferOptions& o) {
  InferenceSettings settings;
  settings.models_dir = o.models_dir;
  settings.device = parse_device_choice(o.device);
  settings.intra_op_threads = o.threads;
  settings.allow_fp16 = !o.fp32;
  settings.load_only = {o.model};
  settings.required = {o.model};
  const TorchRuntimeInfo runtime = configure_torch(settings);
  const auto load_start = Clock::now();
  const Registry registry = Registry::load(settings, torch_model_loader(settings));
  const double load_ms = ms_since(load_start);
  const auto model = registry.get(o.model);
  const Manifest& m = model->manifest();

  std::cout << fmt::format("osteon-bench infer: model {} {} ({}), input {}, file {} sha256 {}...\n", m.name, m.version, m.task,
                           to_string(m.input_shapes().front()), m.file_path().string(), m.sha256.substr(0, 12));
  std::cout << fmt::format("runtime: LibTorch {}, device {}, precision {}, intra-op threads {}, {} x {}\n", runtime.torch_version,
                           model->device(), to_string(model->precision()), runtime.intra_op_threads,
                           std::thread::hardware_concurrency(), cpu_name());
  std::cout << fmt::format("load + hash check + warm-up + dry run: {:.0f} ms; per batch size: {} warm-up runs, then >= {} runs and >= {} s\n\n",
                           load_ms, o.warmup, o.min_iterations, o.seconds);

  const bool cuda = model->device() != "cpu";
  std::vector<std::string> header{"batch", "runs", "images/s", "p50 ms", "p99 ms", "p50 ms/image", "CPU ms/image"};
  if (cuda) header.push_back("GPU MiB used");
  TextTable table(header);
  std::mt19937 rng(42);
  for (const int batch : o.batch_sizes) {
    const Tensors inputs = random_batch(m, batch, rng);
    for (int i = 0; i < o.warmup; ++i) (void)model->run(inputs);
    std::vector<double> latencies;
    const double cpu_start = process_cpu_ms();
    const auto start = Clock::now();
    while (static_cast<int>(latencies.size()) < o.min_iterations || ms_since(start) < o.seconds * 1000.0) {
      const auto t0 = Clock::now();
      (void)model->run(inputs);
      latencies.push_back(ms_since(t0));
    }
    const double total_s = ms_since(start) / 1000.0;
    const double cpu_ms = process_cpu_ms() - cpu_start;
    const double p50 = percentile(latencies, 50);
    std::vector<std::string> row{std::to_string(batch), std::to_string(latencies.size()),
                                 fmt::format("{:.1f}", static_cast<double>(batch) * static_cast<double>(latencies.size()) / total_s),
                                 fmt::format("{:.2f}", p50), fmt::format("{:.2f}", percentile(latencies, 99)),
                                 fmt::format("{:.2f}", p50 / batch),
                                 fmt::format("{:.1f}", cpu_ms / (static_cast<double>(batch) * static_cast<double>(latencies.size())))};
    if (cuda) row.push_back(memory_cell());
    table.add_row(row);
    std::cerr << fmt::format("batch {} done\n", batch);
  }
  std::cout << "Model::run (one batch per call):\n" << table.render();

  if (o.clients > 0) {
    // The node's path: single-image requests from concurrent clients, batched by the scheduler.
    BatchPolicy policy;
    policy.max_batch_size = o.client_max_batch;
    policy.max_queue_delay = std::chrono::microseconds(o.max_queue_delay_us);
    policy.max_queue_size = static_cast<std::size_t>(std::max(o.clients * 2, 64));
    Scheduler scheduler;
    scheduler.add(model, policy);
    std::vector<std::vector<double>> latencies(static_cast<std::size_t>(o.clients));
    std::atomic<bool> stop{false};
    std::atomic<int> failures{0};
    std::vector<std::thread> pool;
    const auto start = Clock::now();
    for (int c = 0; c < o.clients; ++c) {
      pool.emplace_back([&, c] {
        std::mt19937 client_rng(static_cast<unsigned>(c));
        Tensors one = random_batch(m, 1, client_rng);
        Tensors request;
        for (const auto& t : one) request.push_back(slice(t, 0));
        while (!stop) {
          const auto t0 = Clock::now();
          try {
            (void)scheduler.submit(m.name, request, std::chrono::seconds(60)).get();
            latencies[static_cast<std::size_t>(c)].push_back(ms_since(t0));
          } catch (const std::exception&) {
            ++failures;
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(std::max(o.seconds * 2.0, 1.0)));
    stop = true;
    for (auto& t : pool) t.join();
    const double total_s = ms_since(start) / 1000.0;
    std::vector<double> all;
    for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    const auto stats = scheduler.stats(m.name);
    TextTable st({"clients", "max batch", "delay us", "requests", "images/s", "p50 ms", "p99 ms", "mean batch"});
    st.add_row({std::to_string(o.clients), std::to_string(o.client_max_batch), std::to_string(o.max_queue_delay_us),
                std::to_string(all.size()), fmt::format("{:.1f}", static_cast<double>(all.size()) / total_s),
                fmt::format("{:.2f}", percentile(all, 50)), fmt::format("{:.2f}", percentile(all, 99)),
                fmt::format("{:.1f}", stats.batches ? static_cast<double>(stats.requests) / static_cast<double>(stats.batches) : 0.0)});
    std::cout << "\nScheduler (single-image requests from concurrent clients, dynamic batching):\n" << st.render();
    if (failures > 0) {
      std::cerr << fmt::format("{} requests failed\n", failures.load());
      return 1;
    }
  }
  return 0;
}

} // namespace

Command add_infer_command(CLI::App& root) {
  auto options = std::make_shared<InferOptions>();
  CLI::App* app = root.add_subcommand(
      "infer",
      "Inference runtime: one model at batch sizes 1..32 (images/s, p50/p99 latency, GPU memory on CUDA).\n"
      "Make a benchmark model first: /usr/bin/python3 tools/models/make_bench_model.py --out DIR");
  app->add_option("--model", options->model, "model name (a directory of --models-dir)")->required();
  app->add_option("--models-dir", options->models_dir, "directory of model directories")->capture_default_str();
  app->add_option("--device", options->device, "auto | cpu | cuda")->capture_default_str()->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  app->add_option("--batch-sizes", options->batch_sizes, "batch sizes to measure")->capture_default_str()->delimiter(',');
  app->add_option("--threads", options->threads, "intra-op threads (0: LibTorch's default)")->capture_default_str();
  app->add_option("--seconds", options->seconds, "minimum measuring time per batch size")->capture_default_str();
  app->add_option("--min-runs", options->min_iterations, "minimum runs per batch size")->capture_default_str();
  app->add_option("--warmup", options->warmup, "untimed runs per batch size")->capture_default_str();
  app->add_flag("--fp32", options->fp32, "never fp16, even on CUDA with a manifest that allows it");
  app->add_option("--clients", options->clients,
                  "then also N concurrent single-image clients through the scheduler (0: skip)")->capture_default_str();
  app->add_option("--client-max-batch", options->client_max_batch, "scheduler max batch size")->capture_default_str();
  app->add_option("--max-queue-delay-us", options->max_queue_delay_us, "scheduler max queue delay")->capture_default_str();
  return {app, [options] {
            try {
              return run_infer(*options);
            } catch (const osteon::Error& e) {
              std::cerr << "osteon-bench infer: " << e.what() << "\n";
              return 1;
            }
          }};
}

} // namespace osteon::bench
