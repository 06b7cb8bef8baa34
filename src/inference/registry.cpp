#include "osteon/inference/registry.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>

#include <fmt/format.h>

#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"
#include "osteon/core/sha256.hpp"

namespace osteon::inference {

namespace fs = std::filesystem;

namespace {

struct Loaded {
  std::shared_ptr<Model> model;
  std::shared_ptr<const DomainCheck> domain;
};

/// Loads and checks one model directory and its domain check; throws Error naming the model.
Loaded load_one(const fs::path& dir, const ModelLoader& loader) {
  const std::string dir_name = dir.filename().string();
  Manifest manifest = load_manifest(dir);
  if (manifest.name != dir_name)
    throw Error(Errc::config_invalid, fmt::format("model {}: manifest name '{}' differs from its directory name", dir_name, manifest.name));
  const auto file = manifest.file_path();
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    throw Error(Errc::not_found, fmt::format("model {}: model file {} is missing", manifest.name, file.string()));
  if (!fs::is_regular_file(manifest.model_card_path(), ec))
    throw Error(Errc::not_found, fmt::format("model {}: model card {} is missing", manifest.name, manifest.model_card_path().string()));
  const std::string actual = sha256_file(file);
  if (actual != manifest.sha256)
    throw Error(Errc::config_invalid, fmt::format("model {}: sha256 mismatch for {}: manifest says {}, the file is {}",
                                                  manifest.name, file.string(), manifest.sha256, actual));
  std::shared_ptr<const DomainCheck> domain = DomainCheck::load(manifest);
  std::shared_ptr<Model> model;
  try {
    model = loader(manifest);
  } catch (const Error& e) {
    const std::string prefix = "model " + manifest.name + ": ";
    const std::string what = e.what();
    throw Error(e.code(), what.starts_with(prefix) ? what : prefix + what);
  }
  if (!model) throw Error(Errc::internal, fmt::format("model {}: the loader returned nothing", manifest.name));
  check_outputs(*model, 1);
  check_outputs(*model, 2);  // a model that cannot batch fails here, not under load
  return {std::move(model), std::move(domain)};
}

std::string describe_domain(const std::shared_ptr<const DomainCheck>& domain) {
  if (!domain) return "none (not checked)";
  return fmt::format("mahalanobis, {} features, threshold {:.4g}", domain->dimension(), domain->threshold());
}

} // namespace

void check_outputs(Model& model, int batch_size) {
  const Manifest& m = model.manifest();
  Tensors inputs;
  for (const Shape& item : m.input_shapes()) {
    Shape batched{batch_size};
    batched.insert(batched.end(), item.begin(), item.end());
    inputs.emplace_back(std::move(batched));
  }
  Tensors outputs;
  try {
    outputs = model.run(inputs);
  } catch (const Error& e) {
    throw Error(Errc::config_invalid, fmt::format("model {}: dry run at batch size {} failed: {}", m.name, batch_size, e.what()));
  }
  if (outputs.size() != m.outputs.size())
    throw Error(Errc::config_invalid, fmt::format("model {}: shape mismatch: the network returns {} outputs, the manifest declares {}",
                                                  m.name, outputs.size(), m.outputs.size()));
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    Shape expected{batch_size};
    expected.insert(expected.end(), m.outputs[i].shape.begin(), m.outputs[i].shape.end());
    if (outputs[i].shape() != expected)
      throw Error(Errc::config_invalid, fmt::format("model {}: shape mismatch: output '{}' is {} at batch size {}, the manifest declares {}",
                                                    m.name, m.outputs[i].name, to_string(outputs[i].shape()), batch_size, to_string(expected)));
  }
}

Registry Registry::load(const InferenceSettings& settings, const ModelLoader& loader) {
  const fs::path& root = settings.models_dir;
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    throw Error(Errc::not_found, "models directory " + root.string() + " does not exist");
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    const auto& only = settings.load_only;
    if (!only.empty() && std::find(only.begin(), only.end(), entry.path().filename().string()) == only.end()) continue;
    if (fs::exists(entry.path() / "manifest.json")) {
      dirs.push_back(entry.path());
    } else {
      log::warn("inference.dir_without_manifest", {{"dir", entry.path().string()}});
    }
  }
  std::sort(dirs.begin(), dirs.end());

  Registry registry;
  std::vector<std::string> failures;
  Errc first_code = Errc::internal;
  auto fail = [&](const std::string& name, const Error& e) {
    if (settings.may_be_missing(name)) {
      log::warn("inference.model_unavailable", {{"model", name}, {"reason", e.what()}});
      registry.add_unavailable(name, e.what());
      return;
    }
    log::error("inference.model_failed", {{"model", name}, {"error", info(e.code()).name}, {"reason", e.what()}});
    if (failures.empty()) first_code = e.code();
    failures.emplace_back(e.what());
  };

  std::set<std::string, std::less<>> seen;
  for (const auto& dir : dirs) {
    const std::string name = dir.filename().string();
    seen.insert(name);
    try {
      auto [model, domain] = load_one(dir, loader);
      const Manifest& m = model->manifest();
      log::info("inference.model_loaded", {{"model", m.name},
                                           {"version", m.version},
                                           {"task", m.task},
                                           {"device", model->device()},
                                           {"precision", to_string(model->precision())},
                                           {"input", to_string(m.input_shapes().front())},
                                           {"sha256", m.sha256.substr(0, 12)},
                                           {"domain", describe_domain(domain)}});
      registry.add(std::move(model), std::move(domain));
    } catch (const Error& e) {
      fail(name, e);
    } catch (const std::exception& e) {
      fail(name, Error(Errc::internal, fmt::format("model {}: {}", name, e.what())));
    }
  }
  for (const auto& name : settings.required) {
    if (seen.contains(name)) continue;  // loaded, or already reported
    fail(name, Error(Errc::not_found, fmt::format("model {}: required but there is no {}", name, (root / name / "manifest.json").string())));
  }
  if (!failures.empty())
    throw Error(first_code, fmt::format("{} model(s) failed to load: {}", failures.size(), fmt::join(failures, "; ")));

  std::vector<std::string> names;
  for (const auto& s : registry.models()) names.push_back(s.available ? s.name : s.name + "(unavailable)");
  log::info("inference.models", {{"dir", root.string()}, {"count", names.size()}, {"models", fmt::format("{}", fmt::join(names, ","))}});
  return registry;
}

void Registry::add(std::shared_ptr<Model> model, std::shared_ptr<const DomainCheck> domain) {
  if (!model) throw Error(Errc::invalid_argument, "Registry::add: null model");
  if (find(model->name())) throw Error(Errc::invalid_argument, "model " + model->name() + " is registered twice");
  if (!domain && !model->manifest().domain_check.none)
    throw Error(Errc::invalid_argument, "model " + model->name() + ": its manifest declares a domain check but none was given");
  const std::string name = model->name();
  entries_.push_back({name, std::move(model), {}, std::move(domain)});
  std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
}

void Registry::add_unavailable(std::string name, std::string reason) {
  if (find(name)) throw Error(Errc::invalid_argument, "model " + name + " is registered twice");
  entries_.push_back({std::move(name), nullptr, std::move(reason), nullptr});
  std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
}

const Registry::Entry* Registry::find(std::string_view name) const {
  const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.name == name; });
  return it == entries_.end() ? nullptr : &*it;
}

std::shared_ptr<Model> Registry::get(std::string_view name) const {
  const Entry* e = find(name);
  if (!e) throw Error(Errc::not_found, fmt::format("model {} is not in the registry", name));
  if (!e->model) throw Error(Errc::not_found, fmt::format("model {} is unavailable: {}", name, e->reason));
  return e->model;
}

bool Registry::available(std::string_view name) const {
  const Entry* e = find(name);
  return e && e->model;
}

std::shared_ptr<const DomainCheck> Registry::domain(std::string_view name) const {
  const Entry* e = find(name);
  return e && e->model ? e->domain : nullptr;
}

std::vector<ModelStatus> Registry::models() const {
  std::vector<ModelStatus> out;
  for (const auto& e : entries_) {
    ModelStatus s;
    s.name = e.name;
    s.available = e.model != nullptr;
    s.reason = e.reason;
    if (e.model) {
      s.version = e.model->manifest().version;
      s.task = e.model->manifest().task;
      s.device = e.model->device();
      s.precision = to_string(e.model->precision());
      s.domain = describe_domain(e.domain);
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::shared_ptr<Model>> Registry::available_models() const {
  std::vector<std::shared_ptr<Model>> out;
  for (const auto& e : entries_)
    if (e.model) out.push_back(e.model);
  return out;
}

} // namespace osteon::inference
