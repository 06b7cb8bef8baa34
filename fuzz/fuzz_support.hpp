#pragma once
// Shared by the libFuzzer harnesses: the bytes as a file (the node reads received data sets from
// its spool), one per process, on a RAM-backed directory when there is one.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace osteon::fuzz {

inline std::filesystem::path input_file(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path file = [] {
    const std::filesystem::path dir = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    return dir / ("osteon-fuzz-" + std::to_string(::getpid()) + ".dcm");
  }();
  std::ofstream(file, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return file;
}

inline std::string text(const std::uint8_t* data, std::size_t size) { return {reinterpret_cast<const char*>(data), size}; }

} // namespace osteon::fuzz
