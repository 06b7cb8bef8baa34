#include "osteon/routing/profile.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml.hpp>

#include "osteon/core/error.hpp"

// Build time only: toml::parse is instantiated once, in osteon_core (src/core/config.cpp).
extern template toml::value toml::parse<toml::value::comment_type, std::unordered_map, std::vector>(std::istream&,
                                                                                                 const std::string&);

namespace osteon::routing {

namespace {

std::string where(const toml::value& v) {
  const auto loc = v.location();
  return fmt::format("{}:{}", loc.file_name(), loc.line());
}

[[noreturn]] void fail(const toml::value& v, const std::string& message) {
  throw Error(Errc::config_invalid, fmt::format("{}: {}", where(v), message));
}

void reject_unknown(const toml::value& table, const std::set<std::string>& known, const std::string& section) {
  for (const auto& [key, value] : table.as_table()) {
    if (!known.contains(key)) fail(value, fmt::format("unknown key '{}' in [{}]", key, section));
  }
}

std::vector<std::string> strings(const toml::value& table, const char* key, bool normalised) {
  std::vector<std::string> out;
  if (!table.contains(key)) return out;
  const auto& v = table.at(key);
  if (!v.is_array()) fail(v, fmt::format("'{}' must be an array of strings", key));
  for (const auto& item : v.as_array()) {
    if (!item.is_string()) fail(item, fmt::format("'{}' must contain strings", key));
    const std::string s = item.as_string();
    out.push_back(normalised ? normalise(s) : s);
  }
  return out;
}

} // namespace

double Profile::number(const std::string& key, double fallback) const {
  const auto it = numbers.find(key);
  return it == numbers.end() ? fallback : it->second;
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
  toml::value root;
  try {
    std::istringstream in(text);
    root = toml::parse(in, name);
  } catch (const toml::syntax_error& e) {
    throw Error(Errc::config_invalid, fmt::format("{}: syntax error: {}", name, e.what()));
  }
  reject_unknown(root, {"profile", "match", "parameters", "results"}, "top level");
  if (!root.contains("profile")) throw Error(Errc::config_invalid, fmt::format("{}: missing [profile]", name));
  Profile p;
  p.source = name;
  const auto& head = root.at("profile");
  reject_unknown(head, {"id", "pipeline", "priority", "description"}, "profile");
  try {
    p.id = toml::find<std::string>(head, "id");
    p.pipeline = toml::find<std::string>(head, "pipeline");
    p.priority = toml::find_or<int>(head, "priority", 0);
    p.description = toml::find_or<std::string>(head, "description", "");
  } catch (const std::out_of_range& e) {
    fail(head, "[profile] needs 'id' and 'pipeline'");
  } catch (const toml::type_error& e) {
    fail(head, "[profile] id, pipeline and description are strings, priority an integer");
  }
  const auto& pipelines = known_pipelines();
  if (std::find(pipelines.begin(), pipelines.end(), p.pipeline) == pipelines.end()) {
    fail(head.at("pipeline"), fmt::format("unknown pipeline '{}' (known: bone_age, nasal_fracture, implant_id)", p.pipeline));
  }
  if (root.contains("match")) {
    const auto& m = root.at("match");
    reject_unknown(m, {"modality", "sop_class", "body_part", "description", "view_position", "laterality",
                       "calling_ae", "called_ae"},
                   "match");
    p.match.modality = strings(m, "modality", true);
    p.match.sop_class = strings(m, "sop_class", false);
    p.match.body_part = strings(m, "body_part", true);
    p.match.view_position = strings(m, "view_position", true);
    p.match.laterality = strings(m, "laterality", true);
    p.match.calling_ae = strings(m, "calling_ae", false);
    p.match.called_ae = strings(m, "called_ae", false);
    for (const auto& text_pattern : strings(m, "description", false)) {
      try {
        p.match.description.push_back({text_pattern, std::regex(text_pattern, std::regex::icase | std::regex::ECMAScript)});
      } catch (const std::regex_error& e) {
        fail(m.at("description"), fmt::format("bad pattern '{}': {}", text_pattern, e.what()));
      }
    }
    if (p.match.body_part.empty() && p.match.description.empty()) {
      fail(m, "a profile needs body_part synonyms or description patterns");
    }
  } else {
    fail(head, "missing [match]");
  }
  if (root.contains("parameters")) {
    for (const auto& [key, value] : root.at("parameters").as_table()) {
      if (value.is_floating()) p.numbers[key] = value.as_floating();
      else if (value.is_integer()) p.numbers[key] = static_cast<double>(value.as_integer());
      else if (value.is_string()) p.texts[key] = value.as_string();
      else fail(value, fmt::format("parameter '{}' must be a number or a string", key));
    }
  }
  if (root.contains("results")) {
    const auto& r = root.at("results");
    reject_unknown(r, {"destinations", "sr_class"}, "results");
    p.destinations = strings(r, "destinations", false);
    p.sr_class = toml::find_or<std::string>(r, "sr_class", p.sr_class);
    if (p.sr_class != "comprehensive3d" && p.sr_class != "comprehensive" && p.sr_class != "enhanced") {
      fail(r.at("sr_class"), "sr_class must be comprehensive3d, comprehensive or enhanced");
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

std::vector<Profile> load_profiles(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) {
    throw Error(Errc::config_invalid, fmt::format("{}: profile directory not found", dir.string()));
  }
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".toml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Profile> out;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    out.push_back(parse_profile(text.str(), f.string()));
  }
  check_unique(out);
  return out;
}

std::vector<Profile> builtin_profiles() {
  std::vector<Profile> out;
  for (const auto& file : embedded::routing_profiles()) {
    out.push_back(parse_profile(file.bytes, "<built-in dicom_profiles/" + file.name + ">"));
  }
  check_unique(out);
  return out;
}

} // namespace osteon::routing
