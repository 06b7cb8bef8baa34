#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace osteon {

/// UTC time as ISO 8601 with milliseconds and 'Z', e.g. 2026-11-21T10:00:00.123Z.
std::string utc_timestamp(std::chrono::system_clock::time_point t = std::chrono::system_clock::now());

/// The inverse of utc_timestamp (milliseconds optional); nothing for another form.
std::optional<std::chrono::system_clock::time_point> parse_utc_timestamp(std::string_view text);

/// Milliseconds elapsed since `start` on the steady clock.
double elapsed_ms(std::chrono::steady_clock::time_point start);

} // namespace osteon
