// Internal helpers of osteon_synth: hashing and UID syntax.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace osteon::synth::detail {

inline constexpr std::uint64_t fnv_offset = 14695981039346656037ull;

inline std::uint64_t fnv1a(std::string_view text, std::uint64_t h = fnv_offset) {
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// Hashes 16-bit words four at a time (fast enough for 5 Mpixel images).
std::uint64_t fnv1a_words(const std::uint16_t* words, std::size_t count, std::uint64_t h);

// PS3.5 9.1: digits and dots, no empty or leading-zero component, at most 64 characters.
bool is_valid_uid(std::string_view uid);

}  // namespace osteon::synth::detail
