#pragma once
// The one TOML reader: every settings file (osteon.toml, routing profiles) is read through this
// facade, and only src/core/toml_reader.cpp includes toml11 (a slow header to compile). Every
// failure is Error(config_invalid) naming the file and line of the value at fault.
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace osteon {

class TomlValue {
 public:
  /// Parses TOML text; a syntax error is "<name>: syntax error: ...". A relative path read from it
  /// (read into std::filesystem::path) is taken relative to `base_dir` when that is not empty
  /// (the directory of the file), else it stays relative (to the working directory).
  static TomlValue parse(const std::string& text, const std::string& name, const std::string& base_dir = {});

  /// "file:line" of this value.
  std::string where() const;
  /// Throws Error(config_invalid) "file:line: message".
  [[noreturn]] void fail(const std::string& message) const;

  bool is_table() const;
  bool is_array() const;
  bool is_string() const;
  bool is_integer() const;
  bool is_floating() const;
  bool contains(const std::string& key) const;
  TomlValue at(const std::string& key) const;
  /// A table's keys and values, in the file's order.
  std::vector<std::pair<std::string, TomlValue>> entries() const;
  /// An array's values.
  std::vector<TomlValue> items() const;
  std::string as_string() const;
  std::int64_t as_integer() const;
  double as_floating() const;

  /// Fails on the first key of this table that is not in `known` ("unknown key 'k' in [section]").
  void reject_unknown(const std::set<std::string>& known, const std::string& section) const;
  /// Reads `key` into `out` when present (std::string, std::filesystem::path (see parse), bool, int,
  /// std::int64_t, double, std::vector<std::string>); the wrong type fails "'key' has the wrong type".
  template <typename T>
  void read(const char* key, T& out) const;
  /// The [name] table, when there is one (a non-table fails).
  std::optional<TomlValue> section(const char* name) const;
  /// The array of tables under `key` (empty when absent); anything else fails.
  std::vector<TomlValue> tables(const char* key) const;
  /// The array of strings under `key` (empty when absent); anything else fails.
  std::vector<std::string> strings(const char* key) const;

 private:
  TomlValue child(const void* node) const;

  std::shared_ptr<const void> document_;  // keeps the parsed document alive
  const void* node_ = nullptr;            // a toml::value inside it
  std::string base_dir_;                  // relative paths are relative to this (empty: to the working directory)
};

} // namespace osteon
