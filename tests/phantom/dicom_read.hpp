// Test helpers shared by the synth and phantom tests: read back DX files, run dciodvfy.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace osteon::phantom::testing {

struct DecodedDx {
  std::string transfer_syntax, sop_class_uid, sop_uid, study_uid, series_uid;
  std::string photometric, body_part, view_position, laterality, patient_sex, patient_age,
      patient_birth_date, study_date, pixel_spacing;
  unsigned rows = 0, cols = 0, bits_allocated = 0, bits_stored = 0;
  std::vector<std::uint16_t> pixels;  // stored values, decompressed
};

// Loads and decompresses a file with DCMTK; throws std::runtime_error on failure.
DecodedDx read_dx(const std::filesystem::path& file);

std::vector<char> file_bytes(const std::filesystem::path& file);

// Output of `dciodvfy file` (stdout and stderr), or nullopt when dciodvfy is not on PATH.
std::optional<std::string> run_dciodvfy(const std::filesystem::path& file);

// Lines of dciodvfy output that start with "Error".
std::vector<std::string> error_lines(const std::string& output);

// A fresh empty directory under the system temp dir.
std::filesystem::path fresh_dir(const std::string& name);

}  // namespace osteon::phantom::testing
