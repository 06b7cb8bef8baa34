#pragma once
// What a pipeline knows about the models it needs: the manifests of the registry (taken at
// construction) and the scheduler that runs them. Torch- and OpenCV-free.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "osteon/inference/manifest.hpp"
#include "osteon/inference/model.hpp"
#include "osteon/inference/registry.hpp"
#include "osteon/inference/scheduler.hpp"

namespace osteon::pipelines {

/// One model a pipeline uses: its manifest when the registry has it available, else why not.
struct ModelRef {
  std::string name;
  std::optional<inference::Manifest> manifest;
  std::string unavailable;  // empty when available
  bool available() const { return manifest.has_value(); }
};

/// Looks `name` up in the registry (available: its manifest; unknown or unavailable: the reason).
ModelRef model_ref(const inference::Registry& registry, const std::string& name);

/// The models of one pipeline and the scheduler that runs them.
class ModelSet {
 public:
  ModelSet(std::shared_ptr<inference::Scheduler> scheduler, std::vector<ModelRef> models);

  /// "model X is not available: reason; ..." for every missing model, or nothing.
  std::optional<std::string> unavailable_reason() const;
  const ModelRef& ref(const std::string& name) const;  // throws Error(not_found)
  const inference::Manifest& manifest(const std::string& name) const;  // throws when unavailable

  /// Runs one request and waits for it. Queue full: Error(out_of_resources), which pipelines
  /// turn into Outcome::retry. Waits up to `wait_for_space` for room in the queue.
  inference::Tensors run(const std::string& name, inference::Tensors inputs) const;

  /// Runs an optional model (not one of this set's): nothing when it fails for any reason.
  std::optional<inference::Tensors> run_optional(const std::string& name, inference::Tensors inputs) const;

  /// "name version (sha256 prefix)" of every model, in order; and the joined name/version/sha.
  std::string names() const;
  std::string versions() const;
  std::string sha256s() const;

 private:
  std::shared_ptr<inference::Scheduler> scheduler_;
  std::vector<ModelRef> models_;
  std::chrono::microseconds wait_for_space_{std::chrono::milliseconds(200)};
};

} // namespace osteon::pipelines
