#pragma once
// Sanity checks of the hand mask before a bone age is estimated (private to src/pipelines).
#include <optional>
#include <string>

#include <opencv2/core.hpp>

namespace osteon::pipelines::detail {

struct HandShape {
  double fraction = 0;        // mask pixels / image pixels
  double largest_share = 0;   // largest 8-connected component / mask pixels
  int max_runs = 0;           // most separate runs (>= 3 px) in one row: fingers
  double split_centre = 0;    // split rows in the bottom third / (top + bottom third): 0 fingers up
  int thumb_side = 0;         // +1: image right (left hand PA), -1: image left, 0: not found
  double top_contact = 0;     // mask pixels on the top border / bbox width
  double side_contact = 0;    // max(left, right border pixels) / bbox height
  double top_forearm = 0;     // width of a single run on the top border / bbox width (0: none)
  double bottom_contact = 0;  // mask pixels on the bottom border / bbox width
  cv::Rect bbox;              // of the whole mask
};

/// Measures the mask (0/255, working resolution).
HandShape measure_hand(const cv::Mat1b& mask);

struct HandLimits {
  double min_fraction = 0.05;   // profile min_mask_fraction
  double max_fraction = 0.60;
  double min_largest_share = 0.90;
  // Fingertips of large hands touch the top edge of whole phantoms with up to 17 % of the mask's
  // width (300 hands, seed 4041); hands shifted up by 45 % show 29 % or more.
  double max_top_contact = 0.23;
  double max_side_contact = 0.25;
};

/// The reason the image cannot be analysed, or nothing.
std::optional<std::string> hand_problem(const HandShape& shape, const HandLimits& limits);

} // namespace osteon::pipelines::detail
