#pragma once
// Process metrics for Prometheus (GET /metrics): counters, histograms and gauges, declared once
// in src/core/metrics.cpp (name, type, help, buckets) and rendered in the text exposition format.
// prometheus-cpp stays behind this header. Labels carry no patient data: AE titles, pipeline,
// stage, model, device, destination, status and outcome words only.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace osteon::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

/// Adds `value` to a declared counter (created for these labels on first use).
void add(std::string_view name, const Labels& labels = {}, double value = 1);
/// Records one observation in a declared histogram.
void observe(std::string_view name, const Labels& labels, double value);
/// Sets a declared gauge.
void set(std::string_view name, const Labels& labels, double value);
/// Replaces every series of a declared gauge by `series` (label sets that are gone disappear):
/// for values read from the database at scrape time.
void replace(std::string_view name, const std::vector<std::pair<Labels, double>>& series);
/// The current values in the Prometheus text format (version 0.0.4).
std::string render();

/// One declared metric, for documentation and tests.
struct Declaration {
  std::string_view name;
  std::string_view type;  // counter, histogram, gauge
  std::string_view help;
};
const std::vector<Declaration>& declarations();

} // namespace osteon::metrics
