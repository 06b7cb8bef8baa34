// Domain check of a model (see domain_check.hpp; the file is written by tools/train/domain.py).
#include "osteon/inference/domain_check.hpp"

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "osteon/core/sha256.hpp"
#include "osteon/inference/manifest.hpp"

namespace osteon::inference {

namespace {

using nlohmann::json;

std::vector<double> doubles(const json& doc, const char* key, const std::string& origin) {
  const auto it = doc.find(key);
  if (it == doc.end() || !it->is_array()) throw Error(Errc::config_invalid, fmt::format("{}: {}: missing or not an array", origin, key));
  std::vector<double> out;
  out.reserve(it->size());
  for (const auto& v : *it) {
    if (!v.is_number()) throw Error(Errc::config_invalid, fmt::format("{}: {}: holds a value that is not a number", origin, key));
    const double d = v.get<double>();
    if (!std::isfinite(d)) throw Error(Errc::config_invalid, fmt::format("{}: {}: holds a value that is not finite", origin, key));
    out.push_back(d);
  }
  return out;
}

// "1200 synthetic hand phantoms (osteon-phantom ...)" -> "1200 synthetic hand phantoms"
std::string short_training_data(const std::string& text) {
  const auto cut = text.find(" (");
  return cut == std::string::npos ? text : text.substr(0, cut);
}

} // namespace

std::string DomainVerdict::describe() const {
  if (!checked) return model + " not checked";
  return fmt::format("{} {:.2f} {} {:.2f}", model, score, in_domain ? "<=" : ">", threshold);
}

std::string refusal_reason(const DomainVerdict& v) {
  std::string reason = fmt::format("image unlike the data the model was validated on ({}: domain score {:.2f} > threshold {:.2f}",
                                   v.model, v.score, v.threshold);
  if (!v.training_data.empty()) reason += "; model trained on " + v.training_data;
  return reason + ")";
}

OutOfDomain::OutOfDomain(DomainVerdict verdict)
    : Error(Errc::out_of_domain, refusal_reason(verdict)), verdict_(std::move(verdict)) {}

std::shared_ptr<const DomainCheck> DomainCheck::load(const Manifest& manifest) {
  const auto& spec = manifest.domain_check;
  if (spec.none) return nullptr;
  const auto file = manifest.dir / spec.file;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    throw Error(Errc::not_found, fmt::format("model {}: domain check file {} is missing", manifest.name, file.string()));
  const std::string actual = sha256_file(file);
  if (actual != spec.sha256)
    throw Error(Errc::config_invalid, fmt::format("model {}: sha256 mismatch for {}: manifest says {}, the file is {}",
                                                  manifest.name, file.string(), spec.sha256, actual));
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return parse(manifest, text.str(), file.string());
}

std::shared_ptr<const DomainCheck> DomainCheck::parse(const Manifest& manifest, const std::string& json_text,
                                                      const std::string& origin_file) {
  const std::string origin = fmt::format("model {}: {}", manifest.name, origin_file);
  const auto& spec = manifest.domain_check;
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number too large (found by fuzz_manifest)
    throw Error(Errc::config_invalid, fmt::format("{}: not valid JSON: {}", origin, e.what()));
  }
  if (!doc.is_object()) throw Error(Errc::config_invalid, origin + ": must be a JSON object");
  if (doc.value("format", 0) != 1) throw Error(Errc::config_invalid, origin + ": format must be 1");
  if (doc.value("method", std::string()) != spec.method)
    throw Error(Errc::config_invalid, fmt::format("{}: method '{}' differs from the manifest's '{}'", origin,
                                                  doc.value("method", std::string()), spec.method));
  auto check = std::make_shared<DomainCheck>();
  check->model_ = manifest.name;
  check->training_data_ = short_training_data(manifest.training_data);
  check->threshold_ = spec.threshold;
  const auto dim = doc.find("dimension");
  if (dim == doc.end() || !dim->is_number_unsigned() || dim->get<std::size_t>() == 0)
    throw Error(Errc::config_invalid, origin + ": dimension must be a positive integer");
  check->dimension_ = dim->get<std::size_t>();
  const auto groups = doc.find("groups");
  if (groups == doc.end() || !groups->is_array() || groups->empty())
    throw Error(Errc::config_invalid, origin + ": groups must be a non-empty array");
  for (std::size_t gi = 0; gi < groups->size(); ++gi) {
    const json& g = (*groups)[gi];
    const std::string where = fmt::format("{}: groups[{}]", origin, gi);
    if (!g.is_object()) throw Error(Errc::config_invalid, where + ": must be an object");
    Group group;
    group.name = g.value("name", std::string());
    const auto offset = g.find("offset"), size = g.find("size");
    if (offset == g.end() || !offset->is_number_unsigned() || size == g.end() || !size->is_number_unsigned() ||
        size->get<std::size_t>() == 0 || offset->get<std::size_t>() + size->get<std::size_t>() > check->dimension_)
      throw Error(Errc::config_invalid, fmt::format("{}: offset and size must lie inside the {} features", where, check->dimension_));
    group.offset = offset->get<std::size_t>();
    const std::size_t d = size->get<std::size_t>();
    group.mean = doubles(g, "mean", where);
    group.scale = doubles(g, "scale", where);
    group.eigenvalues = doubles(g, "eigenvalues", where);
    const std::size_t k = group.eigenvalues.size();
    if (group.mean.size() != d || group.scale.size() != d)
      throw Error(Errc::config_invalid, fmt::format("{}: mean and scale must hold {} values", where, d));
    for (double v : group.scale)
      if (!(v > 0)) throw Error(Errc::config_invalid, where + ": scale must be positive");
    for (double e : group.eigenvalues)
      if (!(e > 0)) throw Error(Errc::config_invalid, where + ": eigenvalues must be positive");
    const auto basis = g.find("basis");
    if (basis == g.end() || !basis->is_array() || basis->size() != k)
      throw Error(Errc::config_invalid, fmt::format("{}: basis must hold {} rows (one per eigenvalue)", where, k));
    group.basis.reserve(k * d);
    for (const auto& row : *basis) {
      if (!row.is_array() || row.size() != d) throw Error(Errc::config_invalid, fmt::format("{}: every basis row must hold {} values", where, d));
      for (const auto& v : row) {
        if (!v.is_number() || !std::isfinite(v.get<double>())) throw Error(Errc::config_invalid, where + ": basis holds a value that is not a finite number");
        group.basis.push_back(v.get<double>());
      }
    }
    for (const char* key : {"residual_variance", "typical"}) {
      const auto it = g.find(key);
      if (it == g.end() || !it->is_number() || !(it->get<double>() > 0))
        throw Error(Errc::config_invalid, fmt::format("{}: {} must be a positive number", where, key));
    }
    group.residual_variance = g.at("residual_variance").get<double>();
    group.typical = g.at("typical").get<double>();
    check->groups_.push_back(std::move(group));
  }

  // The features output: declared in the manifest, one dimension of the file's size.
  bool found = false;
  for (std::size_t i = 0; i < manifest.outputs.size(); ++i) {
    if (manifest.outputs[i].name != spec.features) continue;
    const auto& shape = manifest.outputs[i].shape;
    if (shape.size() != 1 || static_cast<std::size_t>(shape[0]) != check->dimension_)
      throw Error(Errc::config_invalid, fmt::format("{}: {} features, but output '{}' has shape {}", origin, check->dimension_,
                                                    spec.features, to_string(shape)));
    check->feature_output_ = i;
    found = true;
  }
  if (!found) throw Error(Errc::config_invalid, fmt::format("{}: the manifest has no output '{}'", origin, spec.features));
  return check;
}

std::vector<std::string> DomainCheck::groups() const {
  std::vector<std::string> out;
  for (const auto& g : groups_) out.push_back(g.name);
  return out;
}

double DomainCheck::Group::score(std::span<const float> features) const {
  const std::size_t d = mean.size();
  std::vector<double> z(d);
  double zz = 0;
  for (std::size_t i = 0; i < d; ++i) {
    const double f = features[offset + i];
    if (!std::isfinite(f)) return std::numeric_limits<double>::infinity();
    z[i] = (f - mean[i]) / scale[i];
    zz += z[i] * z[i];
  }
  double explained = 0, pp = 0;
  for (std::size_t k = 0; k < eigenvalues.size(); ++k) {
    const double* row = basis.data() + k * d;
    double p = 0;
    for (std::size_t i = 0; i < d; ++i) p += row[i] * z[i];
    pp += p * p;
    explained += p * p / eigenvalues[k];
  }
  const double residual = std::max(zz - pp, 0.0);
  return std::sqrt((explained + residual / residual_variance) / static_cast<double>(d)) / typical;
}

double DomainCheck::score(std::span<const float> features) const {
  if (features.size() != dimension_)
    throw Error(Errc::invalid_argument, fmt::format("model {}: domain check needs {} features, got {}", model_, dimension_, features.size()));
  double score = 0;
  for (const auto& g : groups_) score = std::max(score, g.score(features));
  return score;
}

DomainVerdict DomainCheck::verdict(std::span<const float> features) const {
  DomainVerdict v;
  v.model = model_;
  v.checked = true;
  v.score = score(features);
  v.threshold = threshold_;
  v.in_domain = v.score <= threshold_;
  v.training_data = training_data_;
  return v;
}

} // namespace osteon::inference
