#pragma once
// An RGB Secondary Capture image (1.2.840.10008.5.1.4.1.1.7) in the source's study, new series:
// the picture the radiologist sees in any PACS. The pipeline renders it (source windowed to
// 8 bits, overlay, burned-in text); this writer wraps the pixels in a valid SC object.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "osteon/results/result_context.hpp"

namespace osteon::results {

/// 8-bit RGB, interleaved (R, G, B per pixel), row-major; pixels.size() == rows * cols * 3.
struct RgbImage {
  unsigned rows = 0;
  unsigned cols = 0;
  std::vector<std::uint8_t> pixels;
};

struct ScContent {
  RgbImage image;  // same rows and columns as the source
  // The text lines the caller burned into the pixels (also stored in Image Comments). One of
  // them must contain "not for primary diagnosis".
  std::vector<std::string> burned_in_text;
  // Derivation Description, e.g. "anomaly heatmap alpha-blended over the source"; empty: a
  // generic one naming the algorithm.
  std::string derivation_description;
};

/// Writes the SC for ctx.source_file to `out` (as write_sr does). Kind selects the default
/// series. Throws osteon::Error as write_sr does.
ObjectReference write_sc(const ResultContext& ctx, AnalysisKind kind, const ScContent& content,
                         const std::filesystem::path& out);

} // namespace osteon::results
