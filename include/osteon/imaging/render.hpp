#pragma once
// Display images for result objects (Secondary Capture): 8-bit RGB, heatmap overlays with a
// legend, outlines and burned-in text.
#include <array>
#include <cstdint>
#include <string>

#include "osteon/imaging/image.hpp"

namespace osteon::imaging {

using Colour = std::array<std::uint8_t, 3>;  // R, G, B

/// Grey image in [0, 1] as 8-bit RGB (clipped).
RgbImage to_display(const Image& grey);

enum class Colormap { jet, inferno, viridis, hot };

struct HeatmapOptions {
  double alpha = 0.45;          // weight of the heatmap colour where drawn
  Colormap colormap = Colormap::jet;
  double value_min = 0.0, value_max = 1.0;  // heat values mapped onto the colour map
  double threshold = 0.0;       // heat below this is not drawn (the grey image shows through)
  bool legend = true;           // colour bar with min / max labels at the right edge
  std::string legend_title;     // e.g. "fracture probability"
};

/// The grey image with `heat` (any size: resampled bilinearly to the image) colour-mapped and
/// alpha-blended on top.
RgbImage overlay_heatmap(const Image& grey, const Image& heat, const HeatmapOptions& options = {});

/// Colour of the map at t in [0, 1].
Colour colormap_colour(Colormap map, double t);

/// Draws the outline of the mask (thickness in pixels).
void draw_outline(RgbImage& image, const Mask& mask, Colour colour, int thickness = 2);
/// Burns text in (Hershey simplex font); (x, y) is the baseline's left end.
void draw_text(RgbImage& image, const std::string& text, int x, int y, double height_px, Colour colour);

} // namespace osteon::imaging
