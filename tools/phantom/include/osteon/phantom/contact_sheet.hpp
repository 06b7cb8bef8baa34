// Contact sheets: a grid of phantoms with their truth drawn on top, for people to look at.
#pragma once

#include "osteon/phantom/phantom.hpp"

#include <opencv2/core.hpp>

#include <vector>

namespace osteon::phantom {

struct SheetTile {
  cv::Mat1b image;        // 8-bit display image at full size
  nlohmann::json truth;   // the image's truth record
};

// Tiles are scaled to tile_height pixels and laid out `columns` wide.
cv::Mat3b make_contact_sheet(Kind kind, const std::vector<SheetTile>& tiles, int tile_height = 260,
                             int columns = 4);

}  // namespace osteon::phantom
