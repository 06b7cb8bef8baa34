#pragma once
// Reading a Grayscale Softcopy Presentation State back: its layers, graphics and text (the admin
// console lists what a GSPS draws; the tests check where). DCMTK-free header.
#include <filesystem>
#include <string>
#include <vector>

namespace osteon::results {

struct GspsGraphic {
  std::string layer;
  std::string type;   // POINT, POLYLINE, CIRCLE, ...
  std::string units;  // PIXEL or DISPLAY
  std::vector<float> data;  // x, y pairs (PIXEL: origin at the top left corner of the image)
};

struct GspsText {
  std::string layer;
  std::string text;
  std::string box_units;     // empty without a bounding box
  std::vector<float> box;    // TLHC x, y, BRHC x, y
  std::string anchor_units;  // empty without an anchor point
  std::vector<float> anchor;  // x, y
};

struct GspsContent {
  std::string label;        // Content Label
  std::string description;  // Content Description
  std::string referenced_sop_instance;  // the first image it applies to
  std::vector<std::string> layers;      // Graphic Layer names, in their order
  std::vector<GspsGraphic> graphics;
  std::vector<GspsText> texts;
};

/// The content of a GSPS file. Unreadable or not a presentation state: Error(dicom_unparseable).
GspsContent read_gsps(const std::filesystem::path& file);

} // namespace osteon::results
