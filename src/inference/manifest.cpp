// Manifest parsing: strict (unknown keys are errors, so a misspelt field is never ignored).
#include "osteon/inference/manifest.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "osteon/core/error.hpp"

namespace osteon::inference {

namespace {

using nlohmann::json;

const std::set<std::string, std::less<>> known_tasks{"classification", "regression",     "segmentation", "landmarks",
                                                     "detection",      "image_to_image", "other"};

class Reader {
 public:
  explicit Reader(std::string origin) : origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw Error(Errc::config_invalid, fmt::format("{}: {}: {}", origin_, field, what));
  }

  void only_keys(const json& object, const std::string& where, std::initializer_list<const char*> keys) const {
    if (!object.is_object()) fail(where.empty() ? "manifest" : where, "must be an object");
    for (const auto& item : object.items()) {
      if (std::none_of(keys.begin(), keys.end(), [&](const char* k) { return item.key() == k; }))
        fail(join(where, item.key()), "unknown field");
    }
  }

  const json* optional(const json& object, const std::string& where, const char* key) const {
    (void)where;
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
  }

  const json& required(const json& object, const std::string& where, const char* key) const {
    const json* value = optional(object, where, key);
    if (!value) fail(join(where, key), "missing");
    return *value;
  }

  std::string string(const json& value, const std::string& field, bool allow_empty = false) const {
    if (!value.is_string()) fail(field, "must be a string");
    auto s = value.get<std::string>();
    if (s.empty() && !allow_empty) fail(field, "must not be empty");
    return s;
  }

  std::int64_t positive(const json& value, const std::string& field) const {
    if (!value.is_number_integer() || value.get<std::int64_t>() <= 0) fail(field, "must be a positive integer");
    return value.get<std::int64_t>();
  }

  double real(const json& value, const std::string& field) const {
    if (!value.is_number()) fail(field, "must be a number");
    return value.get<double>();
  }

  float number(const json& value, const std::string& field) const {
    if (!value.is_number()) fail(field, "must be a number");
    return value.get<float>();
  }

  std::vector<float> numbers(const json& value, const std::string& field) const {
    if (!value.is_array() || value.empty()) fail(field, "must be a non-empty array of numbers");
    std::vector<float> out;
    for (std::size_t i = 0; i < value.size(); ++i) out.push_back(number(value[i], fmt::format("{}[{}]", field, i)));
    return out;
  }

  Shape shape(const json& value, const std::string& field) const {
    if (!value.is_array()) fail(field, "must be an array of positive integers");
    Shape out;
    for (std::size_t i = 0; i < value.size(); ++i) out.push_back(positive(value[i], fmt::format("{}[{}]", field, i)));
    return out;
  }

  /// A SHA-256 as 64 hexadecimal digits, returned in lower case.
  std::string hex_digest(const json& value, const std::string& field) const {
    std::string s = string(value, field);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (s.size() != 64 || !std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
      fail(field, "must be 64 hexadecimal digits");
    return s;
  }

  std::filesystem::path relative_file(const json& value, const std::string& field) const {
    const std::filesystem::path p = string(value, field);
    if (p.is_absolute() || std::any_of(p.begin(), p.end(), [](const auto& part) { return part == ".."; }))
      fail(field, "must be a path inside the model directory");
    return p;
  }

  static std::string join(const std::string& where, const std::string& key) {
    return where.empty() ? key : where + "." + key;
  }

 private:
  std::string origin_;
};

Normalisation parse_normalisation(const Reader& r, const json& n, std::int64_t channels) {
  const std::string where = "input.normalisation";
  Normalisation out;
  const std::string type = r.string(r.required(n, where, "type"), where + ".type");
  if (type == "none") {
    r.only_keys(n, where, {"type"});
  } else if (type == "mean_std") {
    r.only_keys(n, where, {"type", "mean", "std"});
    out.kind = Normalisation::Kind::mean_std;
    out.mean = r.numbers(r.required(n, where, "mean"), where + ".mean");
    out.std = r.numbers(r.required(n, where, "std"), where + ".std");
    for (const auto* v : {&out.mean, &out.std}) {
      if (v->size() != 1 && static_cast<std::int64_t>(v->size()) != channels)
        r.fail(where, fmt::format("mean and std need 1 or {} values (one per channel)", channels));
    }
    if (std::any_of(out.std.begin(), out.std.end(), [](float s) { return !(s > 0.0f); }))
      r.fail(where + ".std", "every value must be positive");
  } else if (type == "scale") {
    r.only_keys(n, where, {"type", "scale", "offset"});
    out.kind = Normalisation::Kind::scale;
    out.scale = r.number(r.required(n, where, "scale"), where + ".scale");
    if (const json* o = r.optional(n, where, "offset")) out.offset = r.number(*o, where + ".offset");
  } else {
    r.fail(where + ".type", "must be none, mean_std or scale, not '" + type + "'");
  }
  return out;
}

ImageInput parse_input(const Reader& r, const json& in) {
  const std::string where = "input";
  r.only_keys(in, where, {"name", "channels", "height", "width", "dtype", "value_range", "normalisation"});
  ImageInput out;
  if (const json* v = r.optional(in, where, "name")) out.name = r.string(*v, "input.name");
  out.channels = r.positive(r.required(in, where, "channels"), "input.channels");
  out.height = r.positive(r.required(in, where, "height"), "input.height");
  out.width = r.positive(r.required(in, where, "width"), "input.width");
  if (const json* v = r.optional(in, where, "dtype")) out.dtype = r.string(*v, "input.dtype");
  if (out.dtype != "float32") r.fail("input.dtype", "only float32 is supported, not '" + out.dtype + "'");
  if (const json* v = r.optional(in, where, "value_range")) {
    const auto range = r.numbers(*v, "input.value_range");
    if (range.size() != 2 || !(range[0] < range[1])) r.fail("input.value_range", "must be [min, max] with min < max");
    out.value_min = range[0];
    out.value_max = range[1];
  }
  if (const json* v = r.optional(in, where, "normalisation")) out.normalisation = parse_normalisation(r, *v, out.channels);
  return out;
}

Output parse_output(const Reader& r, const json& o, std::size_t index) {
  const std::string where = fmt::format("outputs[{}]", index);
  r.only_keys(o, where, {"name", "shape", "meaning", "labels"});
  Output out;
  out.name = r.string(r.required(o, where, "name"), where + ".name");
  out.shape = r.shape(r.required(o, where, "shape"), where + ".shape");
  if (const json* v = r.optional(o, where, "meaning")) out.meaning = r.string(*v, where + ".meaning", true);
  if (const json* v = r.optional(o, where, "labels")) {
    if (!v->is_array()) r.fail(where + ".labels", "must be an array of strings");
    for (std::size_t i = 0; i < v->size(); ++i) out.labels.push_back(r.string((*v)[i], fmt::format("{}.labels[{}]", where, i)));
    if (out.labels.size() != element_count(out.shape))
      r.fail(where + ".labels", fmt::format("has {} labels for an output of shape {}", out.labels.size(), to_string(out.shape)));
  }
  return out;
}

DomainCheckSpec parse_domain_check(const Reader& r, const json& v, const std::vector<Output>& outputs) {
  const std::string where = "domain_check";
  DomainCheckSpec out;
  if (v.is_string()) {
    if (v.get<std::string>() != "none")
      r.fail(where, "must be \"none\" or an object describing the calibrated check, not '" + v.get<std::string>() + "'");
    out.none = true;
    return out;
  }
  r.only_keys(v, where, {"method", "features", "file", "sha256", "threshold", "false_refusal_rate", "calibration"});
  out.method = r.string(r.required(v, where, "method"), where + ".method");
  if (out.method != "mahalanobis") r.fail(where + ".method", "must be \"mahalanobis\" (the only method so far), not '" + out.method + "'");
  out.features = r.string(r.required(v, where, "features"), where + ".features");
  const auto output = std::find_if(outputs.begin(), outputs.end(), [&](const Output& o) { return o.name == out.features; });
  if (output == outputs.end()) r.fail(where + ".features", "names no output ('" + out.features + "')");
  if (output->shape.size() != 1) r.fail(where + ".features", "output '" + out.features + "' must be a vector (one dimension)");
  out.file = r.relative_file(r.required(v, where, "file"), where + ".file");
  out.sha256 = r.hex_digest(r.required(v, where, "sha256"), where + ".sha256");
  const json& threshold = r.required(v, where, "threshold");
  out.threshold = r.real(threshold, where + ".threshold");
  if (!(out.threshold > 0) || !std::isfinite(out.threshold)) r.fail(where + ".threshold", "must be a positive number");
  if (const json* f = r.optional(v, where, "false_refusal_rate")) {
    out.false_refusal_rate = r.real(*f, where + ".false_refusal_rate");
    if (!(out.false_refusal_rate >= 0 && out.false_refusal_rate < 1)) r.fail(where + ".false_refusal_rate", "must be in [0, 1)");
  }
  if (const json* c = r.optional(v, where, "calibration")) out.calibration = r.string(*c, where + ".calibration", true);
  return out;
}

bool valid_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  }) && name.front() != '.';
}

} // namespace

std::string to_string(Precision precision) { return precision == Precision::fp16 ? "fp16" : "fp32"; }

bool Manifest::allows(Precision p) const { return std::find(precisions.begin(), precisions.end(), p) != precisions.end(); }

std::vector<Shape> Manifest::input_shapes() const {
  std::vector<Shape> shapes{{input.channels, input.height, input.width}};
  for (const auto& extra : extra_inputs) shapes.push_back(extra.shape);
  return shapes;
}

Manifest parse_manifest(const std::string& json_text, const std::string& origin) {
  const Reader r(origin);
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number too large (found by fuzz_manifest)
    throw Error(Errc::config_invalid, fmt::format("{}: not valid JSON: {}", origin, e.what()));
  }
  r.only_keys(doc, "", {"format", "name", "version", "task", "description", "file", "sha256", "input", "extra_inputs",
                        "outputs", "precision", "preferred_batch_sizes", "model_card", "training_data", "intended_use",
                        "domain_check"});
  Manifest m;
  const json& format = r.required(doc, "", "format");
  if (!format.is_number_integer() || format.get<int>() != 1) r.fail("format", "must be 1 (the only manifest format so far)");
  m.name = r.string(r.required(doc, "", "name"), "name");
  if (!valid_name(m.name)) r.fail("name", "'" + m.name + "' may hold only a-z, 0-9, '_', '-' and '.'");
  m.version = r.string(r.required(doc, "", "version"), "version");
  m.task = r.string(r.required(doc, "", "task"), "task");
  if (!known_tasks.contains(m.task))
    r.fail("task", fmt::format("'{}' is not one of {}", m.task, fmt::join(known_tasks, ", ")));
  if (const json* v = r.optional(doc, "", "description")) m.description = r.string(*v, "description", true);
  m.file = r.relative_file(r.required(doc, "", "file"), "file");
  m.sha256 = r.hex_digest(r.required(doc, "", "sha256"), "sha256");
  m.input = parse_input(r, r.required(doc, "", "input"));
  if (const json* v = r.optional(doc, "", "extra_inputs")) {
    if (!v->is_array()) r.fail("extra_inputs", "must be an array");
    for (std::size_t i = 0; i < v->size(); ++i) {
      const std::string where = fmt::format("extra_inputs[{}]", i);
      r.only_keys((*v)[i], where, {"name", "shape", "meaning"});
      ExtraInput e;
      e.name = r.string(r.required((*v)[i], where, "name"), where + ".name");
      e.shape = r.shape(r.required((*v)[i], where, "shape"), where + ".shape");
      if (const json* mv = r.optional((*v)[i], where, "meaning")) e.meaning = r.string(*mv, where + ".meaning", true);
      m.extra_inputs.push_back(std::move(e));
    }
  }
  const json& outputs = r.required(doc, "", "outputs");
  if (!outputs.is_array() || outputs.empty()) r.fail("outputs", "must be a non-empty array");
  for (std::size_t i = 0; i < outputs.size(); ++i) m.outputs.push_back(parse_output(r, outputs[i], i));
  if (const json* v = r.optional(doc, "", "precision")) {
    if (!v->is_array() || v->empty()) r.fail("precision", "must be a non-empty array of \"fp32\" / \"fp16\"");
    m.precisions.clear();
    for (const auto& p : *v) {
      const auto s = r.string(p, "precision");
      if (s == "fp32") m.precisions.push_back(Precision::fp32);
      else if (s == "fp16") m.precisions.push_back(Precision::fp16);
      else r.fail("precision", "unknown precision '" + s + "' (fp32, fp16)");
    }
    if (!m.allows(Precision::fp32)) r.fail("precision", "must include fp32 (the CPU path always runs fp32)");
  }
  if (const json* v = r.optional(doc, "", "preferred_batch_sizes")) {
    if (!v->is_array() || v->empty()) r.fail("preferred_batch_sizes", "must be a non-empty array of positive integers");
    m.preferred_batch_sizes.clear();
    for (const auto& b : *v) m.preferred_batch_sizes.push_back(static_cast<int>(r.positive(b, "preferred_batch_sizes")));
    std::sort(m.preferred_batch_sizes.begin(), m.preferred_batch_sizes.end());
    m.preferred_batch_sizes.erase(std::unique(m.preferred_batch_sizes.begin(), m.preferred_batch_sizes.end()),
                                  m.preferred_batch_sizes.end());
    if (m.preferred_batch_sizes.back() > 1024) r.fail("preferred_batch_sizes", "values above 1024 are not supported");
  }
  m.model_card = r.relative_file(r.required(doc, "", "model_card"), "model_card");
  m.training_data = r.string(r.required(doc, "", "training_data"), "training_data");
  if (const json* v = r.optional(doc, "", "intended_use")) m.intended_use = r.string(*v, "intended_use", true);
  const json* domain = r.optional(doc, "", "domain_check");
  if (!domain)
    r.fail("domain_check", "missing: a model needs a calibrated domain check (tools/train/domain.py), or "
                           "\"domain_check\": \"none\" to run without one (its findings then say \"domain not checked\")");
  m.domain_check = parse_domain_check(r, *domain, m.outputs);
  return m;
}

Manifest load_manifest(const std::filesystem::path& dir) {
  const auto file = dir / "manifest.json";
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(Errc::not_found, file.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  Manifest m = parse_manifest(text.str(), file.string());
  m.dir = dir;
  return m;
}

std::string to_json(const Manifest& m) {
  json doc;
  doc["format"] = m.format;
  doc["name"] = m.name;
  doc["version"] = m.version;
  doc["task"] = m.task;
  if (!m.description.empty()) doc["description"] = m.description;
  doc["file"] = m.file.string();
  doc["sha256"] = m.sha256;
  json in{{"name", m.input.name},
          {"channels", m.input.channels},
          {"height", m.input.height},
          {"width", m.input.width},
          {"dtype", m.input.dtype},
          {"value_range", {m.input.value_min, m.input.value_max}}};
  const auto& n = m.input.normalisation;
  switch (n.kind) {
    case Normalisation::Kind::none: in["normalisation"] = {{"type", "none"}}; break;
    case Normalisation::Kind::mean_std: in["normalisation"] = {{"type", "mean_std"}, {"mean", n.mean}, {"std", n.std}}; break;
    case Normalisation::Kind::scale: in["normalisation"] = {{"type", "scale"}, {"scale", n.scale}, {"offset", n.offset}}; break;
  }
  doc["input"] = in;
  if (!m.extra_inputs.empty()) {
    doc["extra_inputs"] = json::array();
    for (const auto& e : m.extra_inputs) doc["extra_inputs"].push_back({{"name", e.name}, {"shape", e.shape}, {"meaning", e.meaning}});
  }
  doc["outputs"] = json::array();
  for (const auto& o : m.outputs) {
    json out{{"name", o.name}, {"shape", o.shape}, {"meaning", o.meaning}};
    if (!o.labels.empty()) out["labels"] = o.labels;
    doc["outputs"].push_back(out);
  }
  doc["precision"] = json::array();
  for (const auto p : m.precisions) doc["precision"].push_back(to_string(p));
  doc["preferred_batch_sizes"] = m.preferred_batch_sizes;
  doc["model_card"] = m.model_card.string();
  doc["training_data"] = m.training_data;
  if (!m.intended_use.empty()) doc["intended_use"] = m.intended_use;
  const auto& d = m.domain_check;
  if (d.none) {
    doc["domain_check"] = "none";
  } else {
    doc["domain_check"] = {{"method", d.method},       {"features", d.features},
                           {"file", d.file.string()},  {"sha256", d.sha256},
                           {"threshold", d.threshold}, {"false_refusal_rate", d.false_refusal_rate},
                           {"calibration", d.calibration}};
  }
  return doc.dump(2) + "\n";
}

} // namespace osteon::inference
