// Hand mask checks (see hand_checks.hpp). The thresholds were chosen on the truth masks of 250
// held-out hand phantoms (osteon-phantom --kind hand --seed 911): every one passes, and their
// mirrored and upside-down copies all fail.
#include "hand_checks.hpp"

#include "working_image.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

namespace osteon::pipelines::detail {
namespace {

struct Run {
  int begin = 0, end = 0;  // [begin, end)
  double centre() const { return (begin + end) / 2.0; }
  int width() const { return end - begin; }
};

std::vector<Run> runs(const cv::Mat1b& mask, int row, int min_width = 3) {
  std::vector<Run> out;
  const std::uint8_t* p = mask[row];
  int c = 0;
  while (c < mask.cols) {
    while (c < mask.cols && !p[c]) ++c;
    const int b = c;
    while (c < mask.cols && p[c]) ++c;
    if (c > b && c - b >= min_width) out.push_back({b, c});
  }
  return out;
}

std::string percent(double v) { return fmt::format("{:.1f} %", 100.0 * v); }

} // namespace

HandShape measure_hand(const cv::Mat1b& mask_in) {
  HandShape s;
  const double total = static_cast<double>(mask_in.rows) * mask_in.cols;
  const int count = cv::countNonZero(mask_in);
  s.fraction = total > 0 ? count / total : 0.0;
  if (count == 0) return s;

  // Components: the largest one's share, and the mask without specks (< 2 % of it) for the
  // shape measures (a thumb cut off by the segmentation still counts).
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(mask_in, labels, stats, centroids, 8, CV_32S);
  int best_area = 0;
  cv::Mat1b mask(mask_in.size(), std::uint8_t{0});
  for (int i = 1; i < n; ++i) {
    const int area = stats.at<int>(i, cv::CC_STAT_AREA);
    best_area = std::max(best_area, area);
    if (area >= count / 50) mask.setTo(255, to_mask(labels == i));
  }
  s.largest_share = static_cast<double>(best_area) / count;

  std::vector<cv::Point> points;
  cv::findNonZero(mask_in, points);
  s.bbox = cv::boundingRect(points);
  const cv::Rect box = cv::boundingRect(mask);

  // Border contact of the whole mask.
  const int last_row = mask_in.rows - 1, last_col = mask_in.cols - 1;
  s.top_contact = cv::countNonZero(mask_in.row(0)) / std::max(1.0, static_cast<double>(s.bbox.width));
  s.bottom_contact = cv::countNonZero(mask_in.row(last_row)) / std::max(1.0, static_cast<double>(s.bbox.width));
  s.side_contact = std::max(cv::countNonZero(mask_in.col(0)), cv::countNonZero(mask_in.col(last_col))) /
                   std::max(1.0, static_cast<double>(s.bbox.height));

  // A forearm leaving the image at the top: one wide run on the top border.
  {
    const auto top = runs(mask_in, 0, 1);
    s.top_forearm = top.size() == 1 ? top[0].width() / std::max(1.0, static_cast<double>(s.bbox.width)) : 0.0;
  }

  // Rows with separate runs (fingers, thumb): they must lie at the top (fingers up), the
  // forearm (one run) at the bottom. split_centre: 0 when only the top third splits, 1 when
  // only the bottom third does.
  int top_split = 0, bottom_split = 0;
  const int third = std::max(1, box.height / 3);
  for (int y = box.y; y < box.y + box.height; ++y) {
    const auto r = runs(mask, y);
    s.max_runs = std::max(s.max_runs, static_cast<int>(r.size()));
    if (r.size() < 2) continue;
    if (y < box.y + third) ++top_split;
    if (y >= box.y + box.height - third) ++bottom_split;
  }
  s.split_centre = top_split + bottom_split > 0 ? static_cast<double>(bottom_split) / (top_split + bottom_split) : 1.0;

  // Thumb: scanning up from the wrist, the first place where the hand stays split for a few
  // rows (the ragged end of the forearm does not count); the run farthest from the widest one
  // (the palm) is the thumb.
  const int persist = std::max(3, box.height / 25);
  int streak = 0;
  for (int y = box.y + box.height - 1; y >= box.y; --y) {
    const auto r = runs(mask, y);
    streak = r.size() >= 2 ? streak + 1 : 0;
    if (streak < persist) continue;
    const auto widest = std::max_element(r.begin(), r.end(), [](const Run& a, const Run& b) { return a.width() < b.width(); });
    double far = widest->centre();
    for (const auto& run : r) {
      if (&run != &*widest && std::abs(run.centre() - widest->centre()) > std::abs(far - widest->centre())) far = run.centre();
    }
    s.thumb_side = far > widest->centre() ? 1 : -1;
    break;
  }
  return s;
}

std::optional<std::string> hand_problem(const HandShape& s, const HandLimits& l) {
  if (s.fraction < l.min_fraction) {
    return fmt::format("no hand found: the hand mask covers {} of the image (minimum {}); hand too small or absent",
                       percent(s.fraction), percent(l.min_fraction));
  }
  if (s.fraction > l.max_fraction) {
    return fmt::format("not a hand radiograph: the hand mask covers {} of the image (a hand covers at most {})",
                       percent(s.fraction), percent(l.max_fraction));
  }
  if (s.largest_share < l.min_largest_share) {
    return fmt::format("not a hand radiograph: the hand mask falls apart into pieces (largest part {} of it)",
                       percent(s.largest_share));
  }
  if (s.max_runs < 2) return std::string("not a hand radiograph: no fingers or thumb found in the hand mask");
  if (s.top_contact > l.max_top_contact || s.side_contact > l.max_side_contact) {
    return fmt::format("hand cut off at the image border ({} of its width at the top, {} of its height at a side)",
                       percent(s.top_contact), percent(s.side_contact));
  }
  if (s.split_centre > 0.5 || (s.top_contact >= 0.15 && s.bottom_contact < 0.02)) {
    return std::string("hand upside down or rotated: the fingers point to the bottom of the image (expected: left hand "
                       "PA, fingers up)");
  }
  if (s.thumb_side == 0) return std::string("not a hand radiograph: no thumb found in the hand mask");
  if (s.thumb_side < 0) {
    return std::string("right hand or mirrored image: the thumb is on the image's left (a left hand PA shows it on the "
                       "right); bone age is assessed on the left hand");
  }
  return std::nullopt;
}

} // namespace osteon::pipelines::detail
