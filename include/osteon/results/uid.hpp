#pragma once
// UIDs for the objects Osteon creates: "2.25.<decimal>" from a random 128-bit value shaped as a
// version-4 UUID (PS3.5 B.2 / ITU-T X.667), so no registered organisation root is needed.
#include <string>
#include <string_view>

namespace osteon::results {

/// A new, globally unique UID "2.25.<decimal>" (at most 44 characters). Thread-safe.
std::string make_uid();

/// True for a syntactically valid UID: 1..64 characters, digits and dots, no empty component,
/// no leading zero in a component other than "0" itself.
bool is_valid_uid(std::string_view uid);

} // namespace osteon::results
