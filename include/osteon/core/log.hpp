#pragma once
// Structured logging: one line per event on stderr,
//   2026-11-21T10:00:00.123Z INFO store.ok sop=1.2.3 bytes=1234 ms=12
// Values with spaces or quotes are quoted. Never pass patient names.
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace osteon::log {

enum class Level { debug, info, warn, error };

/// Sets up the stderr sink once; safe to call again to change the level.
void init(std::string_view level);

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  template <std::integral T>
  Field(std::string_view k, T v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, double v);
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
  std::string_view key;
  std::string value;
};

void emit(Level level, std::string_view event, std::initializer_list<Field> fields);
bool enabled(Level level);

inline void debug(std::string_view e, std::initializer_list<Field> f = {}) { emit(Level::debug, e, f); }
inline void info(std::string_view e, std::initializer_list<Field> f = {}) { emit(Level::info, e, f); }
inline void warn(std::string_view e, std::initializer_list<Field> f = {}) { emit(Level::warn, e, f); }
inline void error(std::string_view e, std::initializer_list<Field> f = {}) { emit(Level::error, e, f); }

/// Formats one event line without the timestamp and level (used by emit, and by tests).
std::string format_fields(std::string_view event, std::initializer_list<Field> fields);

} // namespace osteon::log
