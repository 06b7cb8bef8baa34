// The benchmark's input: a directory of synthetic DX files made once with osteon_synth and
// reused by later runs with the same parameters (a stamp file records them).
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace osteon::bench {

struct InputSpec {
  unsigned count = 1000;
  unsigned rows = 2500;
  unsigned cols = 2000;
  std::uint32_t seed = 20260101;

  // What the stamp file holds; a different text means the files must be made again.
  std::string stamp() const;
  // Expected size of one file (16-bit pixels plus headers), for the disk-space check.
  std::uint64_t estimated_file_bytes() const;
};

struct InputSet {
  std::filesystem::path dir;
  std::vector<std::string> names;  // file names inside dir, in order
  std::uint64_t total_bytes = 0;   // sum of the file sizes
};

// True when dir holds a complete set made with spec (stamp matches, every file present).
bool input_is_current(const std::filesystem::path& dir, const InputSpec& spec);

// Returns the input set in dir, generating it first unless input_is_current(). Generation uses
// every CPU core and prints progress to `progress` every 100 files (or 10%, if smaller).
// Throws std::runtime_error when a file cannot be written.
InputSet prepare_input(const std::filesystem::path& dir, const InputSpec& spec, std::ostream& progress);

// Free bytes for an unprivileged user on the file system that holds `path` (or its nearest
// existing parent).
std::uint64_t free_disk_bytes(const std::filesystem::path& path);

// "9.54 GiB", "512.0 MiB", ...
std::string format_bytes(std::uint64_t bytes);

}  // namespace osteon::bench
