#pragma once
// A routing profile (dicom_profiles/*.toml): which images a pipeline takes, with what parameters,
// and where its results go.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "osteon/routing/config.hpp"
#include "osteon/core/embedded.hpp"

namespace osteon::routing {

/// The pipelines Osteon knows.
inline const std::vector<std::string>& known_pipelines() {
  static const std::vector<std::string> names{"bone_age", "nasal_fracture", "implant_id"};
  return names;
}

struct Pattern {
  std::string text;
  std::regex regex;  // case-insensitive
};

struct MatchRules {
  std::vector<std::string> modality;        // empty: any
  std::vector<std::string> sop_class;       // empty: any
  std::vector<std::string> body_part;       // normalised synonyms (upper case, single spaces)
  std::vector<Pattern> description;         // Study/Series Description, Protocol Name
  std::vector<std::string> view_position;   // empty: any; an empty value in the image passes
  std::vector<std::string> laterality;      // empty: any; an empty value in the image passes
  std::vector<std::string> calling_ae;      // empty: any
  std::vector<std::string> called_ae;       // empty: any
};

struct Profile {
  std::string id;
  std::string pipeline;
  int priority = 0;
  std::string description;
  MatchRules match;
  std::map<std::string, double> numbers;     // [parameters] numeric values
  std::map<std::string, std::string> texts;  // [parameters] string values
  std::vector<std::string> destinations;     // names of result destinations ("sender" = back to it)
  std::string sr_class = "comprehensive3d";  // comprehensive3d, comprehensive, enhanced
  // Which result objects each destination gets: "sr", "sc", "gsps". `objects` for every
  // destination (default all three), `objects_for` per destination name.
  std::vector<std::string> objects{"sr", "sc", "gsps"};
  std::map<std::string, std::vector<std::string>> objects_for;
  // [retention] overrides of the node's keep_after_done and keep_results for this profile's images.
  std::optional<std::chrono::seconds> keep_after_done;
  std::optional<std::chrono::seconds> keep_results;
  std::string source;                        // file it came from

  double number(const std::string& key, double fallback) const;
  /// The objects `destination` gets (objects_for, else objects).
  const std::vector<std::string>& objects_to(const std::string& destination) const;
};

/// The result object kinds a profile may send.
inline const std::vector<std::string>& known_result_objects() {
  static const std::vector<std::string> names{"sr", "sc", "gsps"};
  return names;
}

/// Upper case, '_' as space, runs of spaces collapsed, trimmed: "l_hand " -> "L HAND".
std::string normalise(std::string_view value);

/// Parses one profile file's text; errors name the file and line (Error config_invalid).
Profile parse_profile(const std::string& text, const std::string& name);
/// Every *.toml in a directory, sorted by name; duplicate ids are an error.
std::vector<Profile> load_profiles(const std::filesystem::path& dir);
/// The profiles built into the binary (dicom_profiles/ at build time).
std::vector<Profile> builtin_profiles();
/// The profiles a node runs with: routing.profiles_dir (empty: the built-in ones), then each file
/// of routing.override_dir replacing the one of the same file name (an empty file: none), or added.
std::vector<Profile> load_configured(const RoutingConfig& config);

} // namespace osteon::routing
