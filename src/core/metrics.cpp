#include "osteon/core/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <map>
#include <memory>
#include <mutex>
#include <variant>

#include <fmt/format.h>

#include "osteon/core/error.hpp"

namespace osteon::metrics {

namespace {

using Buckets = prometheus::Histogram::BucketBoundaries;

// Seconds, from 1 ms to 2 min: C-STORE commits, inference, stages, jobs, deliveries.
const Buckets kLatency{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
// Associations last from milliseconds to many minutes.
const Buckets kAssociation{0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600};
const Buckets kBatch{1, 2, 4, 8, 16, 32, 64};

struct Definition {
  Declaration declaration;
  const Buckets* buckets = nullptr;  // histograms
};

// Every metric of the node. Names follow Prometheus' conventions (base units, _total counters).
const std::vector<Definition>& definitions() {
  static const std::vector<Definition> all{
      {{"osteon_build_info", "gauge", "Always 1; the version is a label."}},
      {{"osteon_cstore_total", "counter", "C-STORE requests answered, by DIMSE status (hex) and calling AE title."}},
      {{"osteon_received_bytes_total", "counter", "Bytes of data sets stored, by calling AE title."}},
      {{"osteon_associations_total", "counter", "Associations, by calling AE title and result (accepted, rejected)."}},
      {{"osteon_association_duration_seconds", "histogram", "How long accepted associations lasted."}, &kAssociation},
      {{"osteon_ingest_seconds", "histogram", "From the end of a C-STORE's data to its commit (file durable, row written)."}, &kLatency},
      {{"osteon_jobs_total", "counter", "Runs of analysis jobs, by pipeline and the run's outcome (done, not-analysable, retry, failed)."}},
      {{"osteon_job_stage_seconds", "histogram", "Time in each stage of a pipeline's run, by pipeline and stage."}, &kLatency},
      {{"osteon_job_seconds", "histogram", "A pipeline's whole run of one image, results published, by pipeline."}, &kLatency},
      {{"osteon_inference_seconds", "histogram", "One batched model call, by model and device."}, &kLatency},
      {{"osteon_inference_batch_size", "histogram", "Images per model call, by model and device."}, &kBatch},
      {{"osteon_deliveries_total", "counter", "Delivery attempts, by destination and outcome (delivered, retry, failed)."}},
      {{"osteon_delivery_seconds", "histogram", "One delivery attempt (association, C-STORE, release), by destination."}, &kLatency},
      {{"osteon_queue_depth", "gauge", "Jobs waiting (queued) per pipeline, read from the database at scrape time."}},
      {{"osteon_outbox", "gauge", "Result objects in the outbox per destination and state (pending, failed)."}},
      {{"osteon_free_disk_bytes", "gauge", "Free bytes on the spool's file system."}},
      {{"osteon_database_bytes", "gauge", "Size of the index database (main file and write-ahead log)."}},
      {{"osteon_uptime_seconds", "gauge", "Seconds since the node started."}},
      {{"osteon_purged_files_total", "counter", "Stored files deleted by retention, by reason (age: their keep time ran out; disk: free space below the high-water mark)."}},
      {{"osteon_purged_bytes_total", "counter", "Bytes of stored files deleted by retention, by reason."}},
      {{"osteon_retention_stuck", "gauge", "1 while free disk is below the retention high-water mark and nothing more can be purged (everything left is still needed), else 0."}},
      {{"osteon_retention_bytes", "gauge", "Bytes of stored files by retention state: pending (still needed), kept (kept for their keep time), purgeable, purged."}},
  };
  return all;
}

using AnyFamily = std::variant<prometheus::Family<prometheus::Counter>*, prometheus::Family<prometheus::Histogram>*,
                               prometheus::Family<prometheus::Gauge>*>;

struct State {
  prometheus::Registry registry;
  std::map<std::string, std::pair<AnyFamily, const Buckets*>, std::less<>> families;
  std::mutex replace_mutex;
  std::map<std::string, std::vector<prometheus::Gauge*>, std::less<>> replaced;  // series set by replace()

  State() {
    for (const auto& d : definitions()) {
      const std::string name(d.declaration.name);
      const std::string help(d.declaration.help);
      if (d.declaration.type == "counter") {
        families[name] = {&prometheus::BuildCounter().Name(name).Help(help).Register(registry), nullptr};
      } else if (d.declaration.type == "histogram") {
        families[name] = {&prometheus::BuildHistogram().Name(name).Help(help).Register(registry), d.buckets};
      } else {
        families[name] = {&prometheus::BuildGauge().Name(name).Help(help).Register(registry), nullptr};
      }
    }
  }
};

State& state() {
  static State s;
  return s;
}

std::map<std::string, std::string> to_map(const Labels& labels) { return {labels.begin(), labels.end()}; }

template <typename T>
prometheus::Family<T>& family(std::string_view name, const Buckets** buckets = nullptr) {
  auto& s = state();
  const auto it = s.families.find(name);
  if (it == s.families.end()) throw Error(Errc::internal, fmt::format("metric {} is not declared", name));
  auto* const* f = std::get_if<prometheus::Family<T>*>(&it->second.first);
  if (f == nullptr) throw Error(Errc::internal, fmt::format("metric {} has another type", name));
  if (buckets) *buckets = it->second.second;
  return **f;
}

} // namespace

void add(std::string_view name, const Labels& labels, double value) {
  family<prometheus::Counter>(name).Add(to_map(labels)).Increment(value);
}

void observe(std::string_view name, const Labels& labels, double value) {
  const Buckets* buckets = nullptr;
  auto& f = family<prometheus::Histogram>(name, &buckets);
  f.Add(to_map(labels), *buckets).Observe(value);
}

void set(std::string_view name, const Labels& labels, double value) {
  family<prometheus::Gauge>(name).Add(to_map(labels)).Set(value);
}

void replace(std::string_view name, const std::vector<std::pair<Labels, double>>& series) {
  auto& f = family<prometheus::Gauge>(name);
  auto& s = state();
  std::lock_guard lock(s.replace_mutex);
  auto& previous = s.replaced[std::string(name)];
  for (auto* g : previous) f.Remove(g);
  previous.clear();
  for (const auto& [labels, value] : series) {
    auto& g = f.Add(to_map(labels));
    g.Set(value);
    previous.push_back(&g);
  }
}

std::string render() { return prometheus::TextSerializer().Serialize(state().registry.Collect()); }

const std::vector<Declaration>& declarations() {
  static const std::vector<Declaration> out = [] {
    std::vector<Declaration> d;
    for (const auto& def : definitions()) d.push_back(def.declaration);
    return d;
  }();
  return out;
}

} // namespace osteon::metrics
