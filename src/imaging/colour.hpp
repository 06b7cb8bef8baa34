#pragma once
// Colour (RGB, YBR_*, PALETTE COLOR) to grey: Rec. 601 luminance, the Y of YBR.
#include <array>
#include <string>
#include <vector>

#include "frame_reader.hpp"
#include "lut.hpp"
#include "osteon/imaging/image.hpp"

namespace osteon::imaging::detail {

/// Luminance of each pixel: presentation stage in [0, 1], modality stage in sample units.
/// `palette` is used for PALETTE COLOR only. Appends what was done to `notes`.
void render_colour(const FrameSamples& samples, Stage stage, const std::array<Lut, 3>* palette, float* out,
                   std::vector<std::string>& notes);

} // namespace osteon::imaging::detail
