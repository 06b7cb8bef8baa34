#pragma once
// The model registry: every models/<name>/manifest.json, loaded and checked at start-up.
//
// For each model directory (settings.load_only: only those), in name order: parse the manifest,
// check the model file and card exist, check the file's sha256, load it, and dry-run it with zero
// inputs at batch sizes 1 and 2 to check the declared output shapes. Then every name in
// settings.required must have been found. Failures (all collected, then one Error naming every
// failing model, with the code of the first):
//   manifest missing or invalid, name differs from the directory  Error(config_invalid)
//   model file or card missing, a required model has no directory Error(not_found)
//   sha256 mismatch, output shapes differ from the manifest,
//   the file does not load, the dry run throws                    Error(config_invalid)
// A model listed in InferenceSettings::allow_missing is instead registered as unavailable with
// the reason; asking for it later gives Error(not_found) with that reason. Nothing is skipped
// silently: every model is logged (inference.model_loaded / inference.model_unavailable).
// A model's domain check (manifest "domain_check", domain_check.hpp) is loaded with it: its file
// missing Error(not_found); sha256 mismatch, invalid, or not matching the features output
// Error(config_invalid). A model whose manifest says "domain_check": "none" loads without one
// (logged with domain=none).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "osteon/inference/domain_check.hpp"
#include "osteon/inference/model.hpp"
#include "osteon/inference/settings.hpp"

namespace osteon::inference {

struct ModelStatus {
  std::string name;
  bool available = false;
  std::string reason;  // why it is unavailable
  std::string version, task, device, precision;
  std::string domain;  // "mahalanobis, threshold 1.91" or "none (not checked)"
};

class Registry {
 public:
  /// Loads settings.models_dir with `loader` (see the header comment for the errors).
  static Registry load(const InferenceSettings& settings, const ModelLoader& loader);

  Registry() = default;
  /// Adds an already loaded model (tests, tools) with its domain check (null: the manifest's
  /// "domain_check" must be "none", else Error(invalid_argument)). Duplicate name:
  /// Error(invalid_argument).
  void add(std::shared_ptr<Model> model, std::shared_ptr<const DomainCheck> domain = nullptr);
  void add_unavailable(std::string name, std::string reason);

  /// The model; unknown or unavailable: Error(not_found) with the reason.
  std::shared_ptr<Model> get(std::string_view name) const;
  bool available(std::string_view name) const;
  /// The model's domain check; null when it has none (or is unknown/unavailable).
  std::shared_ptr<const DomainCheck> domain(std::string_view name) const;
  /// Every model known, available or not, in name order.
  std::vector<ModelStatus> models() const;
  std::vector<std::shared_ptr<Model>> available_models() const;

 private:
  struct Entry {
    std::string name;
    std::shared_ptr<Model> model;  // null: unavailable
    std::string reason;
    std::shared_ptr<const DomainCheck> domain;
  };
  const Entry* find(std::string_view name) const;
  std::vector<Entry> entries_;
};

/// Checks one model by running zero inputs at `batch_size`: output count and shapes must match
/// the manifest. Throws Error(config_invalid) naming the model and the shapes.
void check_outputs(Model& model, int batch_size);

} // namespace osteon::inference
