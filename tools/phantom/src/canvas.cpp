#include "osteon/phantom/canvas.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace osteon::phantom {
namespace {
constexpr double deg = 3.14159265358979323846 / 180.0;
constexpr int shift_bits = 4;  // sub-pixel precision of fillPoly
constexpr double shift_scale = 16.0;
}  // namespace

Vec rotate(Vec v, double angle_deg) {
  const double c = std::cos(angle_deg * deg), s = std::sin(angle_deg * deg);
  return {c * v.x - s * v.y, s * v.x + c * v.y};
}

Vec unit_dir(double angle_deg) { return rotate(Vec{0.0, -1.0}, angle_deg); }

Vec Pose::to_px(Vec mm) const { return rotate(mm - anchor_mm, angle_deg) * px_per_mm + center_px; }

Vec Pose::to_mm(Vec px) const { return rotate((px - center_px) / px_per_mm, -angle_deg) + anchor_mm; }

Poly ellipse_poly(Vec center, double rx, double ry, double angle_deg, int points) {
  Poly poly;
  poly.reserve(static_cast<std::size_t>(points));
  for (int i = 0; i < points; ++i) {
    const double a = 2.0 * 3.14159265358979323846 * i / points;
    poly.push_back(center + rotate(Vec{rx * std::cos(a), ry * std::sin(a)}, angle_deg));
  }
  return poly;
}

Poly tube_poly(Vec p0, Vec p1, const std::function<double(double)>& half_width, int samples,
               double cap_round) {
  const Vec axis = p1 - p0;
  const double length = std::hypot(axis.x, axis.y);
  if (length <= 1e-9) return ellipse_poly(p0, half_width(0.0), half_width(0.0), 0.0, 16);
  const Vec u = axis / length;
  const Vec n{-u.y, u.x};
  Poly left, right;
  for (int i = 0; i <= samples; ++i) {
    const double t = static_cast<double>(i) / samples;
    const double w = half_width(t);
    const Vec c = p0 + axis * t;
    left.push_back(c + n * w);
    right.push_back(c - n * w);
  }
  Poly poly(left.begin(), left.end());
  // Distal cap from the left side around to the right side.
  const int cap = 6;
  const double w1 = half_width(1.0), w0 = half_width(0.0);
  for (int i = 1; i < cap; ++i) {
    const double a = 3.14159265358979323846 * i / cap;
    poly.push_back(p1 + n * (w1 * std::cos(a)) + u * (w1 * cap_round * std::sin(a)));
  }
  for (auto it = right.rbegin(); it != right.rend(); ++it) poly.push_back(*it);
  for (int i = 1; i < cap; ++i) {
    const double a = 3.14159265358979323846 * i / cap;
    poly.push_back(p0 - n * (w0 * std::cos(a)) - u * (w0 * cap_round * std::sin(a)));
  }
  return poly;
}

Poly band_poly(const std::vector<Vec>& path, double half_width) {
  return band_poly(path, std::vector<double>(path.size(), half_width));
}

Poly band_poly(const std::vector<Vec>& path, const std::vector<double>& half_widths) {
  Poly left, right;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const Vec a = path[i == 0 ? 0 : i - 1], b = path[std::min(i + 1, path.size() - 1)];
    Vec d = b - a;
    const double len = std::max(1e-9, std::hypot(d.x, d.y));
    d /= len;
    const Vec n{-d.y, d.x};
    const double w = half_widths[std::min(i, half_widths.size() - 1)];
    left.push_back(path[i] + n * w);
    right.push_back(path[i] - n * w);
  }
  Poly poly(left.begin(), left.end());
  poly.insert(poly.end(), right.rbegin(), right.rend());
  return poly;
}

std::vector<Vec> smooth_path(const std::vector<Vec>& points, int samples) {
  if (points.size() < 3) return points;
  std::vector<Vec> out;
  const std::size_t n = points.size();
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const Vec p0 = points[i == 0 ? 0 : i - 1], p1 = points[i], p2 = points[i + 1],
              p3 = points[std::min(i + 2, n - 1)];
    for (int k = 0; k < samples; ++k) {
      const double t = static_cast<double>(k) / samples, t2 = t * t, t3 = t2 * t;
      out.push_back((p1 * 2.0 + (p2 - p0) * t + (p0 * 2.0 - p1 * 5.0 + p2 * 4.0 - p3) * t2 +
                     (p1 * 3.0 - p0 - p2 * 3.0 + p3) * t3) * 0.5);
    }
  }
  out.push_back(points.back());
  return out;
}

Poly transformed(const Poly& poly, Vec pivot, double angle_deg, Vec shift) {
  Poly out;
  out.reserve(poly.size());
  for (const Vec& p : poly) out.push_back(pivot + rotate(p - pivot, angle_deg) + shift);
  return out;
}

double profile(const std::vector<double>& knots, double t) {
  if (knots.empty()) return 0.0;
  if (knots.size() == 1) return knots[0];
  const double x = std::clamp(t, 0.0, 1.0) * static_cast<double>(knots.size() - 1);
  const auto i = std::min(static_cast<std::size_t>(x), knots.size() - 2);
  const double f = x - static_cast<double>(i);
  const double s = f * f * (3.0 - 2.0 * f);  // smooth between knots
  return knots[i] * (1.0 - s) + knots[i + 1] * s;
}

Canvas::Canvas(int rows, int cols, const Pose& pose)
    : soft(rows, cols, 0.0f),
      bone(rows, cols, 0.0f),
      metal(rows, cols, 0.0f),
      rows_(rows),
      cols_(cols),
      pose_(pose) {}

std::vector<cv::Point> Canvas::to_fixed(const Poly& poly_mm, cv::Rect& box) const {
  std::vector<cv::Point> pts;
  pts.reserve(poly_mm.size());
  double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
  for (const Vec& p : poly_mm) {
    const Vec q = pose_.to_px(p);
    x0 = std::min(x0, q.x);
    y0 = std::min(y0, q.y);
    x1 = std::max(x1, q.x);
    y1 = std::max(y1, q.y);
    pts.emplace_back(static_cast<int>(std::lround(q.x * shift_scale)),
                     static_cast<int>(std::lround(q.y * shift_scale)));
  }
  const cv::Rect raw(static_cast<int>(std::floor(x0)) - 1, static_cast<int>(std::floor(y0)) - 1,
                     static_cast<int>(std::ceil(x1 - x0)) + 3, static_cast<int>(std::ceil(y1 - y0)) + 3);
  box = raw & cv::Rect(0, 0, cols_, rows_);
  return pts;
}

cv::Rect Canvas::bounds(const Poly& poly_mm) const {
  cv::Rect box;
  (void)to_fixed(poly_mm, box);
  return box;
}

bool Canvas::inside(Vec mm, double margin_px) const {
  const Vec p = pose_.to_px(mm);
  return p.x >= margin_px && p.y >= margin_px && p.x < cols_ - margin_px && p.y < rows_ - margin_px;
}

void Canvas::add(cv::Mat1f& layer, const Poly& poly_mm, double value) const {
  cv::Rect box;
  auto pts = to_fixed(poly_mm, box);
  if (box.empty() || pts.size() < 3) return;
  const cv::Point offset(-box.x * 16, -box.y * 16);
  for (auto& p : pts) p += offset;
  cv::Mat1f scratch(box.size(), 0.0f);
  const std::vector<std::vector<cv::Point>> polys{pts};
  cv::fillPoly(scratch, polys, cv::Scalar(value), cv::LINE_8, shift_bits);
  cv::Mat1f roi = layer(box);
  roi += scratch;
}

void Canvas::add_bone(const Poly& outer_mm, const Poly& inner_mm, double cortex, double medulla) {
  add(bone, outer_mm, cortex);
  if (!inner_mm.empty()) add(bone, inner_mm, medulla - cortex);
}

void Canvas::add_solid(cv::Mat1f& layer, const std::vector<Poly>& parts,
                       const std::vector<Poly>& holes, const Solid& look, cv::Mat1b* label_mask,
                       int label) const {
  cv::Rect box;
  for (const Poly& part : parts) box |= bounds(part);
  if (box.empty()) return;
  cv::Mat1b mask(box.size(), std::uint8_t{0});
  const cv::Point offset(-box.x * 16, -box.y * 16);
  auto draw = [&](const Poly& poly, int value) {
    cv::Rect unused;
    auto pts = to_fixed(poly, unused);
    if (pts.size() < 3) return;
    for (auto& p : pts) p += offset;
    const std::vector<std::vector<cv::Point>> polys{pts};
    cv::fillPoly(mask, polys, cv::Scalar(value), cv::LINE_8, shift_bits);
  };
  for (const Poly& part : parts) draw(part, 255);
  for (const Poly& hole : holes) draw(hole, 0);
  cv::Mat1f dist;
  cv::distanceTransform(mask, dist, cv::DIST_L2, cv::DIST_MASK_3);
  double max_dist = 0.0;
  cv::minMaxLoc(dist, nullptr, &max_dist);
  if (max_dist <= 0.0) return;
  const double cortex_px = std::max(0.6, pose_.px(look.cortex_mm));
  const double inv_edge = 1.0 / std::max(0.3, look.edge_px);
  const double inv_decay = 1.0 / (0.6 * cortex_px);
  const double inv_r = 1.0 / max_dist;
  for (int y = 0; y < box.height; ++y) {
    const float* d = dist.ptr<float>(y);
    float* out = layer.ptr<float>(box.y + y) + box.x;
    std::uint8_t* lab = label_mask ? label_mask->ptr<std::uint8_t>(box.y + y) + box.x : nullptr;
    for (int x = 0; x < box.width; ++x) {
      const double r = d[x];
      if (r <= 0.0) continue;
      const double edge = std::min(1.0, (r + 0.5) * inv_edge);
      const double shell = r <= cortex_px ? 1.0 : std::exp(-(r - cortex_px) * inv_decay);
      const double dome = std::sqrt(std::min(1.0, r * inv_r));
      out[x] += static_cast<float>(edge * (look.cortex * shell + look.medulla * dome));
      if (lab) lab[x] = static_cast<std::uint8_t>(label);
    }
  }
}

void Canvas::fill(cv::Mat1b& mask, const Poly& poly_mm, int label) const {
  cv::Rect box;
  auto pts = to_fixed(poly_mm, box);
  if (pts.size() < 3) return;
  const std::vector<std::vector<cv::Point>> polys{pts};
  cv::fillPoly(mask, polys, cv::Scalar(label), cv::LINE_8, shift_bits);
}

}  // namespace osteon::phantom
