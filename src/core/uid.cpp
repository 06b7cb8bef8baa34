#include "osteon/core/uid.hpp"

#include <algorithm>
#include <cstdint>
#include <random>

#include "osteon/core/sha256.hpp"

namespace osteon {
namespace {

__extension__ using u128 = unsigned __int128;

// "2.25." and the decimal of `value` marked as a version-4 UUID (bits 76..79 = 0100) of the
// RFC 4122 variant (bits 62..63 = 10).
std::string uuid_uid(u128 value) {
  value &= ~(static_cast<u128>(0xF) << 76);
  value |= static_cast<u128>(0x4) << 76;
  value &= ~(static_cast<u128>(0x3) << 62);
  value |= static_cast<u128>(0x2) << 62;
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  } while (value != 0);
  std::reverse(digits.begin(), digits.end());
  return "2.25." + digits;
}

} // namespace

std::string make_uid() {
  thread_local std::random_device device;
  u128 value = 0;
  for (int i = 0; i < 4; ++i) value = (value << 32) | static_cast<u128>(device());
  return uuid_uid(value);
}

std::string derived_uid(std::string_view seed) {
  const std::string hex = sha256_hex(seed).substr(0, 32);
  u128 value = 0;
  for (char c : hex) value = (value << 4) | static_cast<unsigned>(c <= '9' ? c - '0' : c - 'a' + 10);
  return uuid_uid(value);
}

bool is_valid_uid(std::string_view uid) {
  if (uid.empty() || uid.size() > 64) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = uid.find('.', start);
    const std::string_view part = uid.substr(start, dot == std::string_view::npos ? uid.npos : dot - start);
    if (part.empty()) return false;
    if (!std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
    if (part.size() > 1 && part.front() == '0') return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

} // namespace osteon
