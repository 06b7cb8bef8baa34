#pragma once
// SHA-256 digests (OpenSSL underneath, not exposed): file integrity in the index, model hashes.
#include <filesystem>
#include <string>
#include <string_view>

namespace osteon {

/// Lower-case hex SHA-256 of a file's bytes; throws Error(io_error) when it cannot be read.
std::string sha256_file(const std::filesystem::path& file);
/// Lower-case hex SHA-256 of bytes.
std::string sha256_hex(std::string_view data);

} // namespace osteon
