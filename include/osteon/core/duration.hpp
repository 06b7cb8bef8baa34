#pragma once
// Durations in configuration files: "90s", "30m", "24h", "7d", "0" (a whole number and a unit).
#include <chrono>
#include <string>
#include <string_view>

namespace osteon {

/// Parses a duration; throws Error(config_invalid) naming `what` for anything else (negative,
/// no unit, unknown unit, overflow).
std::chrono::seconds parse_duration(std::string_view text, std::string_view what);
/// The shortest exact form: 604800 s -> "7d", 5400 s -> "90m", 0 -> "0".
std::string format_duration(std::chrono::seconds d);

} // namespace osteon
