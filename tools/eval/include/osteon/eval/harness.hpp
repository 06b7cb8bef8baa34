#pragma once
// Shared by osteon-eval and tests/pipelines: phantoms with truth, the inference runtime with the
// pipelines, and the numbers of the model cards.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "osteon/inference/registry.hpp"
#include "osteon/inference/scheduler.hpp"
#include "osteon/phantom/phantom.hpp"
#include "osteon/pipelines/pipeline.hpp"
#include "osteon/routing/profile.hpp"

namespace osteon::eval {

/// The source tree's models/ (OSTEON_MODELS_DIR overrides it).
std::filesystem::path default_models_dir();

/// Registry (every pipeline model, missing ones registered unavailable), scheduler, pipelines
/// (pipelines::make_pipelines) and the built-in routing profiles.
struct Runtime {
  inference::Registry registry;
  std::shared_ptr<inference::Scheduler> scheduler;
  std::map<std::string, std::shared_ptr<pipelines::Pipeline>> pipelines;
  std::vector<routing::Profile> profiles;
  std::filesystem::path models_dir;
  std::string device;

  static std::unique_ptr<Runtime> load(const std::filesystem::path& models_dir, int threads = 0);
  pipelines::Pipeline& pipeline(const std::string& name) const;
  const routing::Profile* profile(const std::string& pipeline) const;
  /// Runs one file through a pipeline with its built-in profile.
  pipelines::Finding run(const std::string& pipeline, const std::filesystem::path& file) const;
  /// "model: reason" of every missing model of the pipeline, or nothing.
  std::optional<std::string> missing(const std::string& pipeline) const;
};

struct Sample {
  std::filesystem::path file;
  nlohmann::json truth;
};

/// Phantoms i = 0..count-1 of (kind, seed) at the acquired (default) size, written as DICOM to
/// dir; `modify` may change each one (pixels, attributes) before it is written.
std::vector<Sample> make_phantoms(phantom::Kind kind, unsigned count, std::uint32_t seed, const std::filesystem::path& dir,
                                  const std::function<void(phantom::Phantom&)>& modify = {},
                                  const std::vector<std::string>& variants = {}, unsigned rows = 0);

/// Mirrors (left-right) or flips (top-bottom) a phantom's pixels.
void mirror(phantom::Phantom& p);
void flip_vertical(phantom::Phantom& p);

/// The first number in the value column of the metrics-table row of `card` whose first cell
/// starts with `row_prefix` (e.g. "MAE, whole chain"); nothing when absent.
std::optional<double> card_number(const std::filesystem::path& card, const std::string& row_prefix);

/// A fresh temporary directory (removed by the caller).
std::filesystem::path temp_dir(const std::string& prefix);

} // namespace osteon::eval
