#include "osteon/core/duration.hpp"

#include <charconv>
#include <cstdint>

#include <fmt/format.h>

#include "osteon/core/error.hpp"

namespace osteon {

std::chrono::seconds parse_duration(std::string_view text, std::string_view what) {
  const auto bad = [&] {
    return Error(Errc::config_invalid,
                 fmt::format("{} must be a duration like \"90s\", \"30m\", \"24h\" or \"7d\", not \"{}\"", what, text));
  };
  if (text == "0") return std::chrono::seconds(0);
  if (text.size() < 2) throw bad();
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
  if (ec != std::errc() || end != text.data() + text.size() - 1 || n < 0) throw bad();
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: throw bad();
  }
  if (n > INT64_C(100) * 365 * 86400 / unit) throw bad();  // beyond a century: a typo
  return std::chrono::seconds(n * unit);
}

std::string format_duration(std::chrono::seconds d) {
  const auto s = d.count();
  if (s == 0) return "0";
  if (s % 86400 == 0) return fmt::format("{}d", s / 86400);
  if (s % 3600 == 0) return fmt::format("{}h", s / 3600);
  if (s % 60 == 0) return fmt::format("{}m", s / 60);
  return fmt::format("{}s", s);
}

} // namespace osteon
