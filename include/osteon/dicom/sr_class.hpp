#pragma once
// SR document classes a destination may accept, and conversion between them (our result SRs use
// no SCOORD3D and no by-reference relationships, so they are valid in all three).
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace osteon::dicom {

/// "comprehensive3d", "comprehensive", "enhanced" -> SOP Class UID; nothing for other names.
std::optional<std::string> sr_class_uid(std::string_view name);
/// Writes `out`: the SR of `in` re-encoded as another SR class (same content). Throws Error.
void convert_sr_class(const std::filesystem::path& in, std::string_view class_name, const std::filesystem::path& out);

} // namespace osteon::dicom
