#pragma once
#include <chrono>
#include <string>

namespace osteon {

/// UTC time as ISO 8601 with milliseconds and 'Z', e.g. 2026-11-21T10:00:00.123Z.
std::string utc_timestamp(std::chrono::system_clock::time_point t = std::chrono::system_clock::now());

/// Milliseconds elapsed since `start` on the steady clock.
double elapsed_ms(std::chrono::steady_clock::time_point start);

} // namespace osteon
