#pragma once
// The UIDs Osteon creates, all in one place: "2.25.<decimal>" of a 128-bit value shaped as a
// version-4 UUID (PS3.5 B.2 / ITU-T X.667), so no registered organisation root is needed. The
// value is random (make_uid) or derived from a seed (derived_uid: the same seed, the same UID,
// so a job re-run after a crash writes the same objects).
#include <string>
#include <string_view>

namespace osteon {

/// A new, globally unique UID "2.25.<decimal>" (at most 44 characters). Thread-safe.
std::string make_uid();

/// "2.25.<decimal of the first 128 bits of SHA-256(seed)>" with the UUID version and variant
/// bits set: stable for a seed.
std::string derived_uid(std::string_view seed);

/// True for a syntactically valid UID: 1..64 characters, digits and dots, no empty component,
/// no leading zero in a component other than "0" itself.
bool is_valid_uid(std::string_view uid);

} // namespace osteon
