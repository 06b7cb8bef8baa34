// Datasets in the layouts a hospital brings its own images in (tools/train/import_dataset.py):
// the phantom generator writes its images that way too, to test that path without real data.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "osteon/phantom/phantom.hpp"

namespace osteon::phantom {

enum class Layout { none, rsna, skull_csv, implant_folders };

// "rsna", "skull-csv", "implant-folders"; throws std::invalid_argument otherwise.
Layout parse_layout(const std::string& name);
// The kind a layout is made of (rsna: hand, skull-csv: skull, implant-folders: hip).
Kind layout_kind(Layout layout);

class LayoutWriter {
 public:
  // Writes under out/<rsna|skull_csv|implant_folders>/.
  LayoutWriter(const std::filesystem::path& out, Layout layout);
  // One phantom: its 8-bit image and its truth record.
  void add(const std::string& stem, unsigned index, const cv::Mat1b& image8, const nlohmann::json& truth);

 private:
  Layout layout_;
  std::filesystem::path dir_;
  std::ofstream csv_;
};

}  // namespace osteon::phantom
