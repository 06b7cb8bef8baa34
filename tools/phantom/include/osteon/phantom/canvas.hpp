// Drawing surface for the phantoms: anatomy is built in millimetres, placed on the detector by a
// similarity transform (Pose), and drawn additively into attenuation layers (soft tissue, bone,
// metal) that render_radiograph() turns into detector values.
#pragma once

#include <opencv2/core.hpp>

#include <functional>
#include <vector>

namespace osteon::phantom {

using Vec = cv::Point2d;
using Poly = std::vector<Vec>;

// Anatomy millimetres -> pixel coordinates: rotate about anchor_mm, scale, move to center_px.
struct Pose {
  double px_per_mm = 4.0;
  double angle_deg = 0.0;  // positive turns clockwise on the image (y points down)
  Vec anchor_mm{0, 0};
  Vec center_px{0, 0};

  Vec to_px(Vec mm) const;
  Vec to_mm(Vec px) const;
  double px(double mm) const { return mm * px_per_mm; }
};

// Polygon builders (all in millimetres).
Vec rotate(Vec v, double angle_deg);
Vec unit_dir(double angle_deg);  // 0 deg points up (-y), positive turns clockwise
Poly ellipse_poly(Vec center, double rx, double ry, double angle_deg, int points = 40);
// A tube around the segment p0 -> p1, half width given as a function of t in [0, 1],
// with rounded caps (cap_round 0: flat, 1: half-ellipse as deep as the half width).
Poly tube_poly(Vec p0, Vec p1, const std::function<double(double)>& half_width,
               int samples = 18, double cap_round = 0.6);
// A band along a polyline (open path), constant half width, for grooves and sutures.
Poly band_poly(const std::vector<Vec>& path, double half_width);
// The same with one half width per path point.
Poly band_poly(const std::vector<Vec>& path, const std::vector<double>& half_widths);
// Catmull-Rom curve through the points (open), samples per segment.
std::vector<Vec> smooth_path(const std::vector<Vec>& points, int samples = 8);
Poly transformed(const Poly& poly, Vec pivot, double angle_deg, Vec shift);
// Linear interpolation of a width profile given at evenly spaced knots.
double profile(const std::vector<double>& knots, double t);

// Appearance of one solid piece (bone or metal) drawn by Canvas::add_solid.
struct Solid {
  double cortex_mm = 1.0;  // width of the bright rim
  double cortex = 1.0;     // rim attenuation
  double medulla = 0.4;    // interior attenuation at the thickest point
  double edge_px = 0.8;    // anti-aliasing ramp at the outline
};

class Canvas {
 public:
  Canvas(int rows, int cols, const Pose& pose);

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  const Pose& pose() const { return pose_; }

  cv::Mat1f soft;   // soft tissue, millimetres water-equivalent
  cv::Mat1f bone;   // bone mineral, arbitrary attenuation units
  cv::Mat1f metal;  // implants and lead, attenuation units

  // Adds value inside the polygon (mm coordinates) to a layer; overlaps add up like real
  // projections do.
  void add(cv::Mat1f& layer, const Poly& poly_mm, double value) const;
  // A bone: cortex value at the rim, medulla value inside the inner outline.
  void add_bone(const Poly& outer_mm, const Poly& inner_mm, double cortex, double medulla);
  // The union of parts minus holes as one solid: bright cortex band along the outline, interior
  // rising with the distance from the outline (a rounded thickness profile). Overlaps between
  // parts of one solid do not add up. When label_mask is given, the solid is labelled there.
  void add_solid(cv::Mat1f& layer, const std::vector<Poly>& parts, const std::vector<Poly>& holes,
                 const Solid& look, cv::Mat1b* label_mask = nullptr, int label = 0) const;
  // Fills the polygon into an 8-bit mask with the given label (overwrites).
  void fill(cv::Mat1b& mask, const Poly& poly_mm, int label) const;
  // Pixel-space bounding box of a polygon, clipped to the image (may be empty).
  cv::Rect bounds(const Poly& poly_mm) const;
  bool inside(Vec mm, double margin_px = 0.0) const;

 private:
  std::vector<cv::Point> to_fixed(const Poly& poly_mm, cv::Rect& box) const;

  int rows_, cols_;
  Pose pose_;
};

}  // namespace osteon::phantom
