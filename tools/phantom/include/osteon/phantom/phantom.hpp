// The phantom generator: one synthetic DX radiograph with its ground truth per call.
#pragma once

#include "osteon/synth/dx_writer.hpp"

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace osteon::phantom {

enum class Kind { hand, skull, hip };
std::string_view kind_name(Kind kind);
Kind parse_kind(std::string_view name);  // throws std::invalid_argument

// Detector size and pixel spacing; defaults keep a realistic field of view per kind.
struct Geometry {
  unsigned rows = 0, cols = 0;
  double spacing_mm = 0.0;
};
Geometry default_geometry(Kind kind);
// Fills what is 0 in requested: the field of view of the default is kept, so giving only rows
// scales cols and the spacing with it.
Geometry resolve_geometry(Kind kind, const Geometry& requested);

// Per-image DICOM variations drawn from --variants.
inline constexpr std::string_view all_variants[] = {
    "plain",       "empty-body-part", "synonym-body-part", "lowercase-body-part", "monochrome1",
    "bits14",      "bits16",          "jpeg-lossless",     "jpeg-ls",             "rle"};
bool is_variant(std::string_view name);

struct Options {
  Kind kind = Kind::hand;
  unsigned count = 1;
  std::uint32_t seed = 1;
  Geometry geometry;  // zeros: default_geometry(kind)
  unsigned bits = 12;
  synth::Encoding encoding = synth::Encoding::explicit_le;
  bool monochrome1 = false;
  unsigned per_study = 1;              // images per study (same patient, same anatomy)
  std::vector<std::string> variants;   // each image draws one; empty: "plain"
  std::filesystem::path catalogue;     // implant catalogue JSON (hip)
};

struct NamedMask {
  std::string name;  // file suffix, e.g. "hand" -> <stem>_hand.png
  cv::Mat1b mask;
};

struct Phantom {
  synth::PixelImage image;    // display sense: bone bright
  synth::DxAttributes attrs;  // what write_dx writes
  synth::Encoding encoding = synth::Encoding::explicit_le;
  std::vector<NamedMask> masks;
  nlohmann::json truth;       // one JSON-lines record (without file names)
  double window_center = 0.0, window_width = 0.0;
};

class ImplantCatalogue;

// Image `index` of a run; depends only on the options, the catalogue and the index.
Phantom generate_phantom(const Options& options, const ImplantCatalogue* catalogue,
                         std::uint64_t index);

// 8-bit rendering of a phantom: the stored range scaled linearly (no window), for PNGs and sheets.
cv::Mat1b to_8bit(const Phantom& phantom);

}  // namespace osteon::phantom
