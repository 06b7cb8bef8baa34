#include "osteon/core/log.hpp"

#include <memory>
#include <mutex>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace osteon::log {

namespace {

std::shared_ptr<spdlog::logger>& logger() {
  static std::shared_ptr<spdlog::logger> instance = [] {
    auto l = std::make_shared<spdlog::logger>("osteon", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%L%$ %v", spdlog::pattern_time_type::utc);
    l->set_level(spdlog::level::info);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return instance;
}

spdlog::level::level_enum to_spd(Level level) {
  switch (level) {
    case Level::debug: return spdlog::level::debug;
    case Level::info: return spdlog::level::info;
    case Level::warn: return spdlog::level::warn;
    case Level::error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

void append_value(std::string& out, std::string_view v) {
  bool quote = v.empty();
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out.append(fmt::format("\\x{:02x}", static_cast<unsigned>(static_cast<unsigned char>(c))));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

} // namespace

Field::Field(std::string_view k, double v) : key(k), value(fmt::format("{:.3f}", v)) {}

void init(std::string_view level) {
  Level l = Level::info;
  if (level == "debug") l = Level::debug;
  else if (level == "warn") l = Level::warn;
  else if (level == "error") l = Level::error;
  logger()->set_level(to_spd(l));
}

bool enabled(Level level) { return logger()->should_log(to_spd(level)); }

std::string format_fields(std::string_view event, std::initializer_list<Field> fields) {
  std::string line(event);
  for (const auto& f : fields) {
    line.push_back(' ');
    line.append(f.key);
    line.push_back('=');
    append_value(line, f.value);
  }
  return line;
}

void emit(Level level, std::string_view event, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  logger()->log(to_spd(level), "{}", format_fields(event, fields));
}

} // namespace osteon::log
