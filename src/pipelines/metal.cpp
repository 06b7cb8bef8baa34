// Metal segmentation (see metal.hpp). Implants are the brightest solid structures of a hip AP:
// wider than cortical lines (survive an opening), brighter than the large-scale background (an
// opening with a large disc, which keeps shutters, soft tissue and the wide pelvic bones), and
// they do not run along the image border (collimator shutters do).
#include "metal.hpp"

#include "working_image.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <opencv2/imgproc.hpp>

namespace osteon::pipelines::detail {
namespace {

cv::Mat disc(int radius) { return cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * radius + 1, 2 * radius + 1)); }

} // namespace

std::vector<MetalRegion> segment_metal(const cv::Mat1f& work, const MetalOptions& o, MetalDebug* debug) {
  cv::Mat1f solid, background;
  cv::morphologyEx(work, solid, cv::MORPH_OPEN, disc(o.solid_radius));
  // Background at a lower resolution (speed): opening with a large disc, smoothed.
  cv::Mat1f small, small_bg;
  const double f = 0.25;
  cv::resize(work, small, cv::Size(), f, f, cv::INTER_AREA);
  cv::morphologyEx(small, small_bg, cv::MORPH_OPEN, disc(std::max(1, static_cast<int>(o.background_radius * f))));
  cv::GaussianBlur(small_bg, small_bg, cv::Size(0, 0), 1.5);
  cv::resize(small_bg, background, work.size(), 0, 0, cv::INTER_LINEAR);

  cv::Mat1f contrast = to_float(solid - background);

  // Collimator shutters: flat regions at the border's typical level, reached from the border.
  // They and their penumbra are no metal, and their edges are no border of the field.
  cv::Mat1b outside(work.size(), std::uint8_t{0});
  {
    std::vector<float> border;
    for (int c = 0; c < work.cols; ++c) border.push_back(work(0, c)), border.push_back(work(work.rows - 1, c));
    for (int r = 0; r < work.rows; ++r) border.push_back(work(r, 0)), border.push_back(work(r, work.cols - 1));
    // White and black shutters separately: each at the median level of the border pixels on its
    // side of the thresholds, flooded from the border within a tolerance.
    for (const bool white : {true, false}) {
      std::vector<float> side;
      for (const float v : border) {
        if (white ? v > o.white_shutter : v < o.black_shutter) side.push_back(v);
      }
      if (side.size() < border.size() / 20) continue;
      std::nth_element(side.begin(), side.begin() + static_cast<std::ptrdiff_t>(side.size() / 2), side.end());
      const float level = side[side.size() / 2];
      const cv::Mat1b flat = to_mask(cv::abs(work - level) < o.shutter_tolerance);
      cv::Mat labels;
      const int n = cv::connectedComponents(flat, labels, 4, CV_32S);
      std::vector<bool> at_border(static_cast<std::size_t>(n), false);
      for (int c = 0; c < work.cols; ++c) {
        at_border[static_cast<std::size_t>(labels.at<int>(0, c))] = true;
        at_border[static_cast<std::size_t>(labels.at<int>(work.rows - 1, c))] = true;
      }
      for (int r = 0; r < work.rows; ++r) {
        at_border[static_cast<std::size_t>(labels.at<int>(r, 0))] = true;
        at_border[static_cast<std::size_t>(labels.at<int>(r, work.cols - 1))] = true;
      }
      for (int r = 0; r < work.rows; ++r) {
        const int* l = labels.ptr<int>(r);
        const std::uint8_t* fl = flat[r];
        std::uint8_t* out = outside[r];
        for (int c = 0; c < work.cols; ++c) {
          if (fl[c] && l[c] > 0 && at_border[static_cast<std::size_t>(l[c])]) out[c] = 255;
        }
      }
    }
    // the image border itself, and the penumbra
    cv::rectangle(outside, cv::Rect(0, 0, work.cols, work.rows), cv::Scalar(255), 2);
    cv::dilate(outside, outside, disc(o.penumbra));
    contrast.setTo(0.0f, outside);
  }
  const cv::Mat1f raw_contrast = to_float(work - background);
  // Valid components of contrast > t: large and not along the image border (shutters, edges).
  struct Comp {
    cv::Mat1b mask;
    double mean = 0, p90 = 0;
  };
  auto components = [&](double t) {
    std::vector<Comp> out;
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(to_mask(contrast > t), labels, stats, centroids, 8, CV_32S);
    for (int i = 1; i < n; ++i) {
      if (stats.at<int>(i, cv::CC_STAT_AREA) < o.min_area) continue;
      Comp c;
      c.mask = to_mask(labels == i);
      std::vector<std::vector<cv::Point>> contours;
      cv::findContours(c.mask.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
      std::size_t outline = 0, on_border = 0;
      for (const auto& contour : contours) {
        for (const auto& p : contour) {
          ++outline;
          const bool edge = p.x <= 1 || p.y <= 1 || p.x >= work.cols - 2 || p.y >= work.rows - 2;
          if (edge || outside(std::min(p.y + 1, work.rows - 1), p.x) || outside(std::max(p.y - 1, 0), p.x) ||
              outside(p.y, std::min(p.x + 1, work.cols - 1)) || outside(p.y, std::max(p.x - 1, 0))) {
            ++on_border;
          }
        }
      }
      if (outline == 0 || static_cast<double>(on_border) / static_cast<double>(outline) > o.max_border_share) continue;
      std::vector<float> values;
      for (int r = 0; r < work.rows; ++r) {
        const std::uint8_t* m = c.mask[r];
        const float* v = contrast[r];
        for (int col = 0; col < work.cols; ++col) {
          if (m[col]) values.push_back(v[col]);
        }
      }
      std::sort(values.begin(), values.end());
      c.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
      c.p90 = values[values.size() * 9 / 10];
      out.push_back(std::move(c));
    }
    return out;
  };
  // The strongest solid structure sets the level: metal cores are the parts above half of it
  // (so that a stem does not merge with the femur around it).
  double peak = 0;
  for (const auto& c : components(o.min_contrast)) peak = std::max(peak, c.p90);
  if (debug) debug->max_contrast = peak;
  if (peak <= o.min_contrast) return {};
  const double t = std::max(o.min_contrast, o.relative * peak);
  auto cores = components(t);
  cv::Mat1b all_cores(work.size(), std::uint8_t{0});
  for (const auto& c : cores) all_cores |= c.mask;
  // Reference: what bone and soft tissue reach elsewhere (structures above the background,
  // away from the cores). Metal is far brighter than bone; a core that is not is bone.
  cv::Mat1b away;
  cv::dilate(all_cores, away, disc(6));
  std::vector<float> rest;
  for (int r = 2; r < work.rows - 2; ++r) {
    const std::uint8_t* a = away[r];
    const float* v = contrast[r];
    for (int col = 2; col < work.cols - 2; ++col) {
      if (!a[col] && !outside(r, col) && v[col] > 0.02f) rest.push_back(v[col]);
    }
  }
  double reference = 0;
  if (!rest.empty()) {
    std::nth_element(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(rest.size() * 98 / 100), rest.end());
    reference = rest[rest.size() * 98 / 100];
  }
  if (debug) debug->reference = reference;
  // Dynamic range of the field (shutters excluded): faint metal in a compressed (bright
  // background) image is as real as bright metal in a full-range one.
  {
    std::vector<float> field;
    for (int r = 0; r < work.rows; r += 2) {
      for (int col = 0; col < work.cols; col += 2) {
        if (!outside(r, col)) field.push_back(work(r, col));
      }
    }
    if (!field.empty()) {
      std::sort(field.begin(), field.end());
      const double lo = field[field.size() * 2 / 100], hi = field[field.size() * 995 / 1000];
      if (debug) debug->background = lo, debug->range = hi - lo;
    }
  }
  cv::Mat1b kept(work.size(), std::uint8_t{0});
  double kept_contrast = 0;
  int kept_n = 0;
  for (const auto& c : cores) {
    if (c.mean < o.min_ratio * reference) continue;
    kept |= c.mask;
    kept_contrast += c.mean;
    ++kept_n;
    if (debug) ++debug->cores;
  }
  if (kept_n == 0) return {};
  kept_contrast /= kept_n;

  // Grow: thin metal next to a core (cup shells, fins, the neck) at half its contrast.
  cv::Mat1b near, grown = to_mask(raw_contrast > o.grow_share * kept_contrast);
  cv::dilate(kept, near, disc(o.grow_radius));
  grown &= near;
  cv::Mat glabels;
  const int gn = cv::connectedComponents(grown | kept, glabels, 8, CV_32S);
  std::vector<bool> touches(static_cast<std::size_t>(gn), false);
  for (int r = 0; r < work.rows; ++r) {
    const int* l = glabels.ptr<int>(r);
    const std::uint8_t* k = kept[r];
    for (int c = 0; c < work.cols; ++c) {
      if (k[c]) touches[static_cast<std::size_t>(l[c])] = true;
    }
  }
  cv::Mat1b metal(work.size(), std::uint8_t{0});
  for (int r = 0; r < work.rows; ++r) {
    const int* l = glabels.ptr<int>(r);
    std::uint8_t* m = metal[r];
    for (int c = 0; c < work.cols; ++c) {
      if (l[c] > 0 && touches[static_cast<std::size_t>(l[c])]) m[c] = 255;
    }
  }
  cv::morphologyEx(metal, metal, cv::MORPH_CLOSE, disc(2));

  // Sides: by the centroid of each connected part.
  std::vector<MetalRegion> out;
  cv::Mat mlabels, mstats, mcent;
  const int mn = cv::connectedComponentsWithStats(metal, mlabels, mstats, mcent, 8, CV_32S);
  for (int side = 1; side <= 2; ++side) {
    MetalRegion region;
    region.side = side;
    region.mask = cv::Mat1b(work.size(), std::uint8_t{0});
    for (int i = 1; i < mn; ++i) {
      const double cx = mcent.at<double>(i, 0);
      if ((side == 1) != (cx < work.cols / 2.0)) continue;
      const cv::Mat1b comp = to_mask(mlabels == i);
      // only parts holding a core
      if (cv::countNonZero(comp & kept) == 0) continue;
      region.mask.setTo(255, comp);
    }
    region.area = cv::countNonZero(region.mask);
    if (region.area == 0) continue;
    std::vector<cv::Point> pts;
    cv::findNonZero(region.mask, pts);
    region.box = cv::boundingRect(pts);
    region.contrast = cv::mean(contrast, region.mask & kept)[0];
    out.push_back(std::move(region));
  }
  return out;
}

} // namespace osteon::pipelines::detail
