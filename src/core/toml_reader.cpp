#include "osteon/core/toml_reader.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <sstream>

#include <fmt/format.h>
#include <toml.hpp>

#include "osteon/core/error.hpp"

namespace osteon {

namespace {
const toml::value& node(const void* p) { return *static_cast<const toml::value*>(p); }

// TOML is UTF-8. toml11 3.7 reads out of bounds when it reports invalid UTF-8 inside a literal
// string (found by fuzz/fuzz_profile), so the text is checked here first. Returns the offset of
// the first byte that is not part of a well-formed UTF-8 sequence, or npos.
std::size_t invalid_utf8_at(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07u;
    } else {
      return i;
    }
    if (i + n >= s.size()) return i;  // the sequence is cut off by the end of the text
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    const std::uint32_t min = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += n + 1;
  }
  return std::string_view::npos;
}
} // namespace

TomlValue TomlValue::parse(const std::string& text, const std::string& name, const std::string& base_dir) {
  if (const auto at = invalid_utf8_at(text); at != std::string_view::npos) {
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
    throw Error(Errc::config_invalid, fmt::format("{}:{}: not valid UTF-8 (byte {} of the file)", name, line, at + 1));
  }
  auto document = std::make_shared<toml::value>();
  try {
    std::istringstream in(text);
    *document = toml::parse(in, name);
  } catch (const toml::syntax_error& e) {
    throw Error(Errc::config_invalid, fmt::format("{}: syntax error: {}", name, e.what()));
  }
  TomlValue v;
  v.node_ = document.get();
  v.document_ = std::move(document);
  v.base_dir_ = base_dir;
  return v;
}

TomlValue TomlValue::child(const void* n) const {
  TomlValue v;
  v.document_ = document_;
  v.node_ = n;
  v.base_dir_ = base_dir_;
  return v;
}

std::string TomlValue::where() const {
  const auto loc = node(node_).location();
  return fmt::format("{}:{}", loc.file_name(), loc.line());
}

void TomlValue::fail(const std::string& message) const {
  throw Error(Errc::config_invalid, fmt::format("{}: {}", where(), message));
}

bool TomlValue::is_table() const { return node(node_).is_table(); }
bool TomlValue::is_array() const { return node(node_).is_array(); }
bool TomlValue::is_string() const { return node(node_).is_string(); }
bool TomlValue::is_integer() const { return node(node_).is_integer(); }
bool TomlValue::is_floating() const { return node(node_).is_floating(); }
bool TomlValue::contains(const std::string& key) const { return node(node_).is_table() && node(node_).contains(key); }

TomlValue TomlValue::at(const std::string& key) const { return child(&node(node_).at(key)); }

std::vector<std::pair<std::string, TomlValue>> TomlValue::entries() const {
  std::vector<std::pair<std::string, TomlValue>> out;
  for (const auto& [key, value] : node(node_).as_table()) out.emplace_back(key, child(&value));
  return out;
}

std::vector<TomlValue> TomlValue::items() const {
  std::vector<TomlValue> out;
  for (const auto& value : node(node_).as_array()) out.push_back(child(&value));
  return out;
}

std::string TomlValue::as_string() const { return node(node_).as_string(); }
std::int64_t TomlValue::as_integer() const { return node(node_).as_integer(); }
double TomlValue::as_floating() const { return node(node_).as_floating(); }

void TomlValue::reject_unknown(const std::set<std::string>& known, const std::string& section) const {
  for (const auto& [key, value] : entries()) {
    if (!known.contains(key)) value.fail(fmt::format("unknown key '{}' in [{}]", key, section));
  }
}

template <typename T>
void TomlValue::read(const char* key, T& out) const {
  if (!contains(key)) return;
  const TomlValue v = at(key);
  try {
    if constexpr (std::is_same_v<T, std::filesystem::path>) {
      std::filesystem::path path = toml::get<std::string>(node(v.node_));
      if (!path.empty() && path.is_relative() && !base_dir_.empty()) path = std::filesystem::path(base_dir_) / path;
      out = std::move(path);
    } else {
      out = toml::get<T>(node(v.node_));
    }
  } catch (const toml::type_error&) {
    v.fail(fmt::format("'{}' has the wrong type", key));
  }
}

template void TomlValue::read(const char*, std::string&) const;
template void TomlValue::read(const char*, std::filesystem::path&) const;
template void TomlValue::read(const char*, bool&) const;
template void TomlValue::read(const char*, int&) const;
template void TomlValue::read(const char*, std::int64_t&) const;
template void TomlValue::read(const char*, double&) const;
template void TomlValue::read(const char*, std::vector<std::string>&) const;

std::optional<TomlValue> TomlValue::section(const char* name) const {
  if (!contains(name)) return std::nullopt;
  TomlValue v = at(name);
  if (!v.is_table()) v.fail(fmt::format("[{}] must be a table", name));
  return v;
}

std::vector<TomlValue> TomlValue::tables(const char* key) const {
  if (!contains(key)) return {};
  const TomlValue list = at(key);
  if (!list.is_array()) list.fail(fmt::format("'{}' must be an array of tables", key));
  auto out = list.items();
  for (const auto& item : out) {
    if (!item.is_table()) item.fail(fmt::format("each entry of '{}' must be a table", key));
  }
  return out;
}

std::vector<std::string> TomlValue::strings(const char* key) const {
  std::vector<std::string> out;
  if (!contains(key)) return out;
  const TomlValue v = at(key);
  if (!v.is_array()) v.fail(fmt::format("'{}' must be an array of strings", key));
  for (const auto& item : v.items()) {
    if (!item.is_string()) item.fail(fmt::format("'{}' must contain strings", key));
    out.push_back(item.as_string());
  }
  return out;
}

} // namespace osteon
