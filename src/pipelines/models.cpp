// Model references and calls of the pipelines (see models.hpp).
#include "osteon/pipelines/models.hpp"

#include <fmt/format.h>

#include "osteon/core/error.hpp"

namespace osteon::pipelines {

ModelRef model_ref(const inference::Registry& registry, const std::string& name) {
  ModelRef ref;
  ref.name = name;
  for (const auto& status : registry.models()) {
    if (status.name != name) continue;
    if (status.available) {
      ref.manifest = registry.get(name)->manifest();
    } else {
      ref.unavailable = status.reason.empty() ? "unavailable" : status.reason;
    }
    return ref;
  }
  ref.unavailable = fmt::format("no model '{}' in the registry (models/{}/ missing)", name, name);
  return ref;
}

ModelSet::ModelSet(std::shared_ptr<inference::Scheduler> scheduler, std::vector<ModelRef> models)
    : scheduler_(std::move(scheduler)), models_(std::move(models)) {}

std::optional<std::string> ModelSet::unavailable_reason() const {
  std::string why;
  for (const auto& m : models_) {
    if (m.available()) continue;
    if (!why.empty()) why += "; ";
    why += fmt::format("model {} is not available: {}", m.name, m.unavailable);
  }
  if (!scheduler_) why += why.empty() ? "no inference scheduler" : "; no inference scheduler";
  if (why.empty()) return std::nullopt;
  return why;
}

const ModelRef& ModelSet::ref(const std::string& name) const {
  for (const auto& m : models_) {
    if (m.name == name) return m;
  }
  throw Error(Errc::not_found, fmt::format("pipeline has no model '{}'", name));
}

const inference::Manifest& ModelSet::manifest(const std::string& name) const {
  const auto& r = ref(name);
  if (!r.manifest) throw Error(Errc::not_found, fmt::format("model {} is not available: {}", name, r.unavailable));
  return *r.manifest;
}

inference::Tensors ModelSet::run(const std::string& name, inference::Tensors inputs) const {
  if (!scheduler_) throw Error(Errc::not_found, "no inference scheduler");
  return scheduler_->submit(name, std::move(inputs), wait_for_space_).get();
}

std::optional<inference::Tensors> ModelSet::run_optional(const std::string& name, inference::Tensors inputs) const {
  if (!scheduler_) return std::nullopt;
  try {
    return scheduler_->submit(name, std::move(inputs), wait_for_space_).get();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string ModelSet::names() const {
  std::string out;
  for (const auto& m : models_) out += (out.empty() ? "" : "+") + m.name;
  return out;
}

std::string ModelSet::versions() const {
  std::string out;
  for (const auto& m : models_) {
    out += (out.empty() ? "" : "+") + (m.manifest ? m.manifest->version : std::string("?"));
  }
  return out;
}

std::string ModelSet::sha256s() const {
  std::string out;
  for (const auto& m : models_) {
    out += (out.empty() ? "" : "+") + (m.manifest ? m.manifest->sha256 : std::string("?"));
  }
  return out;
}

} // namespace osteon::pipelines
