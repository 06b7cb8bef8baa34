#include "osteon/routing/profile.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "osteon/core/duration.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/toml_reader.hpp"

namespace osteon::routing {

namespace {

std::optional<std::string> unreasonable_pattern(const std::string& pattern) {
  if (pattern.size() > 256) return "longer than 256 characters";
  std::size_t digits = 0;
  for (const char c : pattern) {
    digits = (c >= '0' && c <= '9') ? digits + 1 : 0;
    if (digits > 4) return "a number longer than 4 digits";
  }
  return std::nullopt;
}

std::vector<std::string> normalised(std::vector<std::string> values) {
  for (auto& v : values) v = normalise(v);
  return values;
}

} // namespace

double Profile::number(const std::string& key, double fallback) const {
  const auto it = numbers.find(key);
  return it == numbers.end() ? fallback : it->second;
}

const std::vector<std::string>& Profile::objects_to(const std::string& destination) const {
  const auto it = objects_for.find(destination);
  return it == objects_for.end() ? objects : it->second;
}

std::string normalise(std::string_view value) {
  std::string out;
  for (char c : value) {
    char u = (c == '_' || c == '\t') ? ' ' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (u == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(u);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

Profile parse_profile(const std::string& text, const std::string& name) {
  const TomlValue root = TomlValue::parse(text, name);
  root.reject_unknown({"profile", "match", "parameters", "results", "retention"}, "top level");
  if (!root.contains("profile")) throw Error(Errc::config_invalid, fmt::format("{}: missing [profile]", name));
  Profile p;
  p.source = name;
  const TomlValue head = root.at("profile");
  head.reject_unknown({"id", "pipeline", "priority", "description"}, "profile");
  if (!head.contains("id") || !head.contains("pipeline")) head.fail("[profile] needs 'id' and 'pipeline'");
  const bool typed = head.at("id").is_string() && head.at("pipeline").is_string() &&
                     (!head.contains("priority") || head.at("priority").is_integer()) &&
                     (!head.contains("description") || head.at("description").is_string());
  if (!typed) head.fail("[profile] id, pipeline and description are strings, priority an integer");
  head.read("id", p.id);
  head.read("pipeline", p.pipeline);
  head.read("priority", p.priority);
  head.read("description", p.description);
  const auto& pipelines = known_pipelines();
  if (std::find(pipelines.begin(), pipelines.end(), p.pipeline) == pipelines.end()) {
    head.at("pipeline").fail(fmt::format("unknown pipeline '{}' (known: bone_age, nasal_fracture, implant_id)", p.pipeline));
  }
  if (const auto match_table = root.section("match")) {
    const TomlValue& m = *match_table;
    m.reject_unknown({"modality", "sop_class", "body_part", "description", "view_position", "laterality",
                       "calling_ae", "called_ae"},
                   "match");
    p.match.modality = normalised(m.strings("modality"));
    p.match.sop_class = m.strings("sop_class");
    p.match.body_part = normalised(m.strings("body_part"));
    p.match.view_position = normalised(m.strings("view_position"));
    p.match.laterality = normalised(m.strings("laterality"));
    p.match.calling_ae = m.strings("calling_ae");
    p.match.called_ae = m.strings("called_ae");
    for (const auto& text_pattern : m.strings("description")) {
      // libstdc++'s regex compiler overflows a signed integer on a long number (a backreference
      // like \6666666666 or a {n,m} bound; found by fuzz/fuzz_profile): such patterns, and very
      // long ones, are refused before it sees them.
      if (const auto why = unreasonable_pattern(text_pattern))
        m.at("description").fail(fmt::format("bad pattern '{}': {}", text_pattern.substr(0, 80), *why));
      try {
        p.match.description.push_back({text_pattern, std::regex(text_pattern, std::regex::icase | std::regex::ECMAScript)});
      } catch (const std::regex_error& e) {
        m.at("description").fail(fmt::format("bad pattern '{}': {}", text_pattern, e.what()));
      }
    }
    if (p.match.body_part.empty() && p.match.description.empty()) {
      m.fail("a profile needs body_part synonyms or description patterns");
    }
  } else {
    head.fail("missing [match]");
  }
  if (const auto parameters = root.section("parameters")) {
    for (const auto& [key, value] : parameters->entries()) {
      if (value.is_floating()) p.numbers[key] = value.as_floating();
      else if (value.is_integer()) p.numbers[key] = static_cast<double>(value.as_integer());
      else if (value.is_string()) p.texts[key] = value.as_string();
      else value.fail(fmt::format("parameter '{}' must be a number or a string", key));
    }
  }
  if (const auto results_table = root.section("results")) {
    const TomlValue& r = *results_table;
    r.reject_unknown({"destinations", "sr_class", "objects", "objects_for"}, "results");
    p.destinations = r.strings("destinations");
    const auto object_list = [](const TomlValue& table, const char* key) {
      std::vector<std::string> list = table.strings(key);
      if (list.empty()) table.at(key).fail(fmt::format("'{}' needs at least one of sr, sc, gsps", key));
      for (const auto& o : list) {
        const auto& known = known_result_objects();
        if (std::find(known.begin(), known.end(), o) == known.end())
          table.at(key).fail(fmt::format("unknown result object '{}' (known: sr, sc, gsps)", o));
      }
      return list;
    };
    if (r.contains("objects")) p.objects = object_list(r, "objects");
    if (const auto per = r.section("objects_for")) {
      for (const auto& [destination, value] : per->entries()) {
        if (std::find(p.destinations.begin(), p.destinations.end(), destination) == p.destinations.end())
          value.fail(fmt::format("objects_for names '{}', which is not one of this profile's destinations", destination));
        p.objects_for[destination] = object_list(*per, destination.c_str());
      }
    }
    r.read("sr_class", p.sr_class);
    if (p.sr_class != "comprehensive3d" && p.sr_class != "comprehensive" && p.sr_class != "enhanced") {
      r.at("sr_class").fail("sr_class must be comprehensive3d, comprehensive or enhanced");
    }
  }
  if (const auto retention = root.section("retention")) {
    retention->reject_unknown({"keep_after_done", "keep_results"}, "retention");
    for (const auto& [key, target] : {std::pair{"keep_after_done", &p.keep_after_done}, std::pair{"keep_results", &p.keep_results}}) {
      if (!retention->contains(key)) continue;
      std::string value;
      retention->read(key, value);
      try {
        *target = parse_duration(value, std::string("retention.") + key);
      } catch (const Error& e) {
        retention->at(key).fail(e.what());
      }
    }
  }
  return p;
}

namespace {
void check_unique(const std::vector<Profile>& profiles) {
  std::set<std::string> ids;
  for (const auto& p : profiles) {
    if (!ids.insert(p.id).second) {
      throw Error(Errc::config_invalid, fmt::format("{}: profile id '{}' is used twice", p.source, p.id));
    }
  }
}
} // namespace

namespace {

// A profile file: its name (the key an override replaces by), text and where it came from.
struct ProfileFile {
  std::string text;
  std::string source;
};
using ProfileFiles = std::map<std::string, ProfileFile>;  // by file name, so in file-name order

ProfileFiles read_directory(const std::filesystem::path& dir) {
  ProfileFiles files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() != ".toml") continue;
    std::ifstream in(e.path(), std::ios::binary);
    if (!in) throw Error(Errc::config_invalid, fmt::format("{}: cannot read the profile", e.path().string()));
    std::ostringstream text;
    text << in.rdbuf();
    files[e.path().filename().string()] = {text.str(), e.path().string()};
  }
  return files;
}

std::vector<Profile> parse_all(const ProfileFiles& files) {
  std::vector<Profile> out;
  for (const auto& [name, file] : files) out.push_back(parse_profile(file.text, file.source));
  check_unique(out);
  return out;
}

ProfileFiles builtin_files() {
  ProfileFiles files;
  for (const auto& file : embedded::routing_profiles())
    files[file.name] = {file.bytes, "<built-in dicom_profiles/" + file.name + ">"};
  return files;
}

} // namespace

std::vector<Profile> load_profiles(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) {
    throw Error(Errc::config_invalid, fmt::format("{}: profile directory not found", dir.string()));
  }
  return parse_all(read_directory(dir));
}

std::vector<Profile> builtin_profiles() { return parse_all(builtin_files()); }

std::vector<Profile> load_configured(const RoutingConfig& config) {
  ProfileFiles files;
  if (config.profiles_dir.empty()) {
    files = builtin_files();
  } else {
    if (!std::filesystem::is_directory(config.profiles_dir))
      throw Error(Errc::config_invalid,
                  fmt::format("{}: profile directory not found (routing.profiles_dir)", config.profiles_dir.string()));
    files = read_directory(config.profiles_dir);
  }
  // The local overrides: a file replaces the one of the same name, an empty file turns it off, a
  // new name adds a profile. A missing override directory is no override.
  if (!config.override_dir.empty() && std::filesystem::exists(config.override_dir)) {
    if (!std::filesystem::is_directory(config.override_dir))
      throw Error(Errc::config_invalid,
                  fmt::format("{}: not a directory (routing.override_dir)", config.override_dir.string()));
    for (auto& [name, file] : read_directory(config.override_dir)) {
      if (file.text.find_first_not_of(" \t\r\n") == std::string::npos) files.erase(name);
      else files[name] = std::move(file);
    }
  }
  return parse_all(files);
}

} // namespace osteon::routing
