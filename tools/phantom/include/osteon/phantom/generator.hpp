// A generator run: N phantoms written as DICOM files, one truth.jsonl, optional PNGs, masks and a
// contact sheet.
#pragma once

#include "osteon/phantom/phantom.hpp"

#include <filesystem>
#include <iosfwd>
#include <optional>

namespace osteon::phantom {

struct RunOptions {
  Options options;
  std::filesystem::path out;
  bool png = false;                                  // 8-bit PNG + mask PNGs per image
  std::optional<std::filesystem::path> contact_sheet;
  unsigned sheet_count = 12;                         // tiles on the contact sheet
  bool quiet = false;
  std::string layout;  // also write the images as an own-data layout: rsna, skull-csv, implant-folders
};

struct RunStats {
  unsigned images = 0;
  double seconds = 0.0;
};

// File stem of image `index`, e.g. "hand_000042".
std::string image_stem(Kind kind, std::uint64_t index);

// Writes everything; throws std::runtime_error when a file cannot be written.
RunStats run_generator(const RunOptions& run, std::ostream& log);

}  // namespace osteon::phantom
