#pragma once
// What a pipeline knows about the models it needs: the manifests of the registry (taken at
// construction) and the scheduler that runs them. Torch- and OpenCV-free.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "osteon/inference/domain_check.hpp"
#include "osteon/inference/manifest.hpp"
#include "osteon/inference/model.hpp"
#include "osteon/inference/registry.hpp"
#include "osteon/inference/scheduler.hpp"

namespace osteon::pipelines {

/// One model a pipeline uses: its manifest (and domain check) when the registry has it
/// available, else why not.
struct ModelRef {
  std::string name;
  std::optional<inference::Manifest> manifest;
  std::shared_ptr<const inference::DomainCheck> domain;  // null: "domain_check": "none"
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
  /// Every model of the set (for the domain checks of ModelCalls).
  const std::vector<ModelRef>& refs() const { return models_; }

  /// "name version (sha256 prefix)" of every model, in order; and the joined name/version/sha.
  std::string names() const;
  std::string versions() const;
  std::string sha256s() const;

 private:
  std::shared_ptr<inference::Scheduler> scheduler_;
  std::vector<ModelRef> models_;
  std::chrono::microseconds wait_for_space_{std::chrono::milliseconds(200)};
};

namespace detail {
struct RunContext;  // one job's run of a pipeline (src/pipelines/common.hpp)
} // namespace detail

/// One job's calls of its pipeline's models. Every output is checked against the model's domain
/// (inference/domain_check.hpp) before the pipeline sees it, and every verdict is kept for the
/// finding: an input out of a model's domain throws inference::OutOfDomain, and the job ends
/// not analysable with the score and the threshold, never with a finding. Not thread-safe (one
/// per job).
class ModelCalls {
 public:
  explicit ModelCalls(const ModelSet& models) : models_(models) {}

  /// ModelSet::run, then the model's domain check (recorded; out of domain: OutOfDomain).
  inference::Tensors run(const std::string& name, inference::Tensors inputs);
  /// An optional model (e.g. display only): nothing when it fails or its input is out of its
  /// domain (recorded); it never refuses the image.
  std::optional<inference::Tensors> run_optional(const ModelRef& ref, inference::Tensors inputs);

  /// A call whose domain verdict the pipeline weighs itself (e.g. a candidate region that may not
  /// be what the model is for): the outputs and the verdict (none: the model has no check),
  /// nothing recorded yet. record() it, or drop the input.
  struct Probe {
    inference::Tensors outputs;
    std::optional<inference::DomainVerdict> verdict;
  };
  Probe probe(const std::string& name, inference::Tensors inputs);
  /// Records a probe's verdict as run() would (out of domain: OutOfDomain).
  void record(const std::string& name, const Probe& probe);

  /// Every model call's verdict, in call order (repeated calls of one model each appear).
  const std::vector<inference::DomainVerdict>& verdicts() const { return verdicts_; }
  /// The models called that have no domain check (each once, in call order).
  std::vector<std::string> not_checked() const;

 private:
  void check(const ModelRef& ref, const inference::Tensors& outputs, bool refuse);
  static inference::DomainVerdict verdict_of(const ModelRef& ref, const inference::Tensors& outputs);

  const ModelSet& models_;
  std::vector<inference::DomainVerdict> verdicts_;
};

} // namespace osteon::pipelines
