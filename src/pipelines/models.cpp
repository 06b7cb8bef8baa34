// Model references and calls of the pipelines (see models.hpp).
#include "osteon/pipelines/models.hpp"

#include <algorithm>

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
      ref.domain = registry.domain(name);
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

inference::Tensors ModelCalls::run(const std::string& name, inference::Tensors inputs) {
  auto outputs = models_.run(name, std::move(inputs));
  check(models_.ref(name), outputs, true);
  return outputs;
}

std::optional<inference::Tensors> ModelCalls::run_optional(const ModelRef& ref, inference::Tensors inputs) {
  if (!ref.available()) return std::nullopt;
  auto outputs = models_.run_optional(ref.name, std::move(inputs));
  if (!outputs) return std::nullopt;
  try {
    check(ref, *outputs, false);
  } catch (const Error&) {
    return std::nullopt;  // no features where the manifest says: the optional result is not used
  }
  if (!verdicts_.back().in_domain) return std::nullopt;
  return outputs;
}

std::vector<std::string> ModelCalls::not_checked() const {
  std::vector<std::string> out;
  for (const auto& v : verdicts_) {
    if (!v.checked && std::find(out.begin(), out.end(), v.model) == out.end()) out.push_back(v.model);
  }
  return out;
}

inference::DomainVerdict ModelCalls::verdict_of(const ModelRef& ref, const inference::Tensors& outputs) {
  if (!ref.domain) {
    inference::DomainVerdict v;
    v.model = ref.name;
    v.checked = false;
    return v;
  }
  const std::size_t index = ref.domain->feature_output();
  if (index >= outputs.size())
    throw Error(Errc::internal, fmt::format("model {} returned {} outputs; its domain features are output {}", ref.name,
                                            outputs.size(), index));
  return ref.domain->verdict(outputs[index].data());
}

void ModelCalls::check(const ModelRef& ref, const inference::Tensors& outputs, bool refuse) {
  verdicts_.push_back(verdict_of(ref, outputs));
  if (refuse && !verdicts_.back().in_domain) throw inference::OutOfDomain(verdicts_.back());
}

ModelCalls::Probe ModelCalls::probe(const std::string& name, inference::Tensors inputs) {
  Probe p;
  p.outputs = models_.run(name, std::move(inputs));
  const ModelRef& ref = models_.ref(name);
  if (ref.domain) p.verdict = verdict_of(ref, p.outputs);
  return p;
}

void ModelCalls::record(const std::string& name, const Probe& probe) {
  if (!probe.verdict) {
    verdicts_.push_back(verdict_of(models_.ref(name), probe.outputs));
    return;
  }
  verdicts_.push_back(*probe.verdict);
  if (!probe.verdict->in_domain) throw inference::OutOfDomain(*probe.verdict);
}

std::string describe_domain(const std::vector<inference::DomainVerdict>& verdicts) {
  if (verdicts.empty()) return {};
  std::vector<std::string> unchecked, parts;
  bool refused = false;
  for (const auto& v : verdicts) {
    if (!v.checked) {
      if (std::find(unchecked.begin(), unchecked.end(), v.model) == unchecked.end()) unchecked.push_back(v.model);
      continue;
    }
    // One entry per model: its highest score (implant_id runs once per implant).
    auto higher = [&](const inference::DomainVerdict& o) { return o.checked && o.model == v.model && o.score > v.score; };
    if (std::any_of(verdicts.begin(), verdicts.end(), higher)) continue;
    const std::string d = v.describe();
    if (std::find(parts.begin(), parts.end(), d) == parts.end()) parts.push_back(d);
    refused = refused || !v.in_domain;
  }
  if (!unchecked.empty()) return fmt::format("DOMAIN NOT CHECKED: {} without a domain check", fmt::join(unchecked, ", "));
  return fmt::format("Domain check {}: {}", refused ? "FAILED" : "passed", fmt::join(parts, ", "));
}

} // namespace osteon::pipelines
