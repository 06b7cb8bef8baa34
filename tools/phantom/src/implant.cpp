#include "implant.hpp"

#include <algorithm>
#include <cmath>

namespace osteon::phantom {
namespace {

constexpr double pi = 3.14159265358979323846;
const Solid solid_metal{1.0, 3.0, 4.0, 0.8};
const Solid shell_metal{0.8, 4.0, 1.5, 0.8};

// Half disc of radius r on the side opposite to `opening` (a cup or cap dome).
Poly half_disc(Vec centre, double r, Vec opening, int points = 28) {
  const double base = std::atan2(opening.y, opening.x) + pi / 2.0;
  Poly poly;
  for (int i = 0; i <= points; ++i) {
    const double a = base + pi * i / points;
    poly.push_back(centre + Vec{std::cos(a), std::sin(a)} * r);
  }
  return poly;
}

struct StemParts {
  std::vector<Poly> parts, holes;
  std::vector<Vec> extent;
};

StemParts stem_parts(const ImplantDesign& d, const HipFrame& hip) {
  StemParts out;
  const double k = hip.scale;
  const Vec u = hip.shaft_dir, lat = hip.lateral();
  const Vec nd = hip.neck_dir(d.neck_angle_deg);
  const Vec head = hip.centre;
  const double head_r = d.head_diameter_mm / 2.0 * k;
  if (d.type == "resurfacing") {
    const Vec peg_end = head - nd * (d.peg_length_mm * k);
    out.parts.push_back(tube_poly(peg_end, head, [&](double) { return 2.5 * k; }, 6, 0.6));
    out.extent = {peg_end, head};
    return out;
  }
  const Vec j = stem_junction(d, hip);
  const double length = d.stem_length_mm * k, pw = d.stem_proximal_width_mm * k / 2.0,
               dw = d.stem_distal_width_mm * k / 2.0, shoulder = d.stem_shoulder_mm * k;
  // Body: bowed centreline from the shoulder to the tip, tapering.
  const Vec top = j - u * shoulder;
  std::vector<Vec> path;
  std::vector<double> widths;
  const int n = 16;
  for (int i = 0; i <= n; ++i) {
    const double t = static_cast<double>(i) / n;
    path.push_back(top + u * (t * length) + lat * (d.stem_curvature * k * std::sin(pi * t)));
    widths.push_back(pw + (dw - pw) * std::pow(t, 0.8));
  }
  out.parts.push_back(band_poly(path, widths));
  const Vec tip = path.back();
  if (d.tip == "pointed") {
    out.parts.push_back(Poly{tip + lat * dw, tip + u * (dw * 2.2), tip - lat * dw});
  } else {
    out.parts.push_back(ellipse_poly(tip, dw, dw, 0, 16));
  }
  // Proximal body flaring medially into the neck (calcar side).
  out.parts.push_back(Poly{top + lat * pw, top - lat * pw * 0.5, j + nd * (10.0 * k),
                           j + u * (26.0 * k) - lat * (pw * 0.75), j + u * (20.0 * k) + lat * pw});
  // Neck (trunnion) up to the head centre.
  const Vec neck_end = head - nd * (head_r * 0.2);
  out.parts.push_back(tube_poly(j + nd * (6.0 * k), neck_end,
                                [&](double t) { return (8.0 - 2.5 * t) * k; }, 8, 0.2));
  if (d.collar) {
    const Vec c = j + nd * (9.0 * k);
    const Vec across{-nd.y, nd.x};
    out.parts.push_back(band_poly({c - across * (pw + 5.0 * k), c + across * (pw + 5.0 * k)}, 1.6 * k));
  }
  for (int f = 0; f < d.fins; ++f) {  // small spikes on both edges of the proximal body
    const Vec at = top + u * ((14.0 + 11.0 * f) * k);
    for (const double side : {1.0, -1.0}) {
      const Vec edge = at + lat * (side * (pw - 0.5 * k));
      out.parts.push_back(Poly{edge - u * (3.0 * k), edge + lat * (side * 3.5 * k), edge + u * (3.0 * k)});
    }
  }
  for (int h = 0; h < d.holes; ++h)
    out.holes.push_back(ellipse_poly(top + u * ((16.0 + 15.0 * h) * k), 3.0 * k, 5.0 * k,
                                     std::atan2(u.x, -u.y) * 180.0 / pi, 16));
  out.extent = {top + lat * pw, top - lat * pw, tip + u * (dw * 2.2), tip + lat * dw, tip - lat * dw,
                j + nd * (12.0 * k)};
  return out;
}

struct CupParts {
  std::vector<Poly> parts, holes;
  double outer = 0.0;
};

CupParts cup_parts(const ImplantDesign& d, const HipFrame& hip, double inclination) {
  CupParts out;
  if (d.cup == "none") return out;
  const double k = hip.scale;
  const Vec o = hip.cup_opening(inclination);
  out.outer = d.cup_diameter_mm / 2.0 * k;
  out.parts.push_back(half_disc(hip.centre, out.outer, o));
  // The hole reaches past the opening face so that no sliver is left along the chord.
  out.holes.push_back(half_disc(hip.centre + o * (2.0 * k), out.outer - d.cup_wall_mm * k, o));
  if (d.cup == "flanged") {
    const Vec across{-o.y, o.x};
    for (const double side : {1.0, -1.0}) {
      const Vec rim = hip.centre + across * (side * out.outer);
      out.parts.push_back(band_poly({rim - across * (side * 2.0 * k), rim + across * (side * 4.5 * k)}, 1.2 * k));
    }
  }
  for (int h = 0; h < d.cup_screw_holes; ++h) {
    const double a = std::atan2(-o.y, -o.x) + (h - (d.cup_screw_holes - 1) / 2.0) * 0.45;
    const Vec at = hip.centre + Vec{std::cos(a), std::sin(a)} * (out.outer - d.cup_wall_mm * k * 0.5);
    out.holes.push_back(ellipse_poly(at, 2.2 * k, 2.2 * k, 0, 12));
  }
  return out;
}

}  // namespace

Vec HipFrame::lateral() const {
  const Vec n{-shaft_dir.y, shaft_dir.x};  // for a downward shaft this points to -x
  return right ? n : -n;
}

Vec HipFrame::neck_dir(double neck_angle_deg) const {
  return rotate(shaft_dir, right ? -neck_angle_deg : neck_angle_deg);
}

Vec HipFrame::cup_opening(double inclination_deg) const {
  return rotate(Vec{0, 1}, right ? inclination_deg : -inclination_deg);
}

Vec stem_junction(const ImplantDesign& design, const HipFrame& hip) {
  return hip.centre - hip.neck_dir(design.neck_angle_deg) * ((design.neck_length_mm + 18.0) * hip.scale);
}

std::vector<Vec> draw_implant(Canvas& canvas, const ImplantDesign& d, const HipFrame& hip,
                              double inclination, cv::Mat1b& labels, int label) {
  const double k = hip.scale;
  const StemParts stem = stem_parts(d, hip);
  if (!stem.parts.empty()) canvas.add_solid(canvas.metal, stem.parts, stem.holes, solid_metal, &labels, label);
  const double head_r = d.head_diameter_mm / 2.0 * k;
  const Vec nd = hip.neck_dir(d.neck_angle_deg);
  std::vector<Vec> extent = stem.extent;
  if (d.type == "resurfacing") {  // a cap over the native head, dome towards the acetabulum
    canvas.add_solid(canvas.metal, {half_disc(hip.centre, head_r, -nd)},
                     {half_disc(hip.centre - nd * (2.0 * k), head_r - 2.5 * k, -nd)}, shell_metal, &labels, label);
  } else if (d.type == "bipolar_hemi") {  // large outer shell around a small inner head
    canvas.add_solid(canvas.metal, {ellipse_poly(hip.centre, head_r, head_r, 0, 40)},
                     {ellipse_poly(hip.centre, head_r - 2.5 * k, head_r - 2.5 * k, 0, 40)}, shell_metal, &labels, label);
    canvas.add_solid(canvas.metal, {ellipse_poly(hip.centre, 11.0 * k, 11.0 * k, 0, 28)}, {}, solid_metal, &labels, label);
  } else {
    canvas.add_solid(canvas.metal, {ellipse_poly(hip.centre, head_r, head_r, 0, 36)}, {}, solid_metal, &labels, label);
  }
  const CupParts cup = cup_parts(d, hip, inclination);
  if (!cup.parts.empty()) canvas.add_solid(canvas.metal, cup.parts, cup.holes, shell_metal, &labels, label);
  const double r = std::max({head_r, cup.outer + 4.5 * k});
  for (const Vec dir : {Vec{1, 0}, Vec{-1, 0}, Vec{0, 1}, Vec{0, -1}}) extent.push_back(hip.centre + dir * r);
  return extent;
}

std::vector<Vec> implant_extent(const ImplantDesign& d, const HipFrame& hip, double inclination) {
  std::vector<Vec> extent = stem_parts(d, hip).extent;
  const double r = std::max(d.head_diameter_mm, d.cup_diameter_mm + 9.0) / 2.0 * hip.scale;
  for (const Vec dir : {Vec{1, 0}, Vec{-1, 0}, Vec{0, 1}, Vec{0, -1}}) extent.push_back(hip.centre + dir * r);
  (void)inclination;
  return extent;
}

ImplantDesign unknown_design(Rng& rng, const ImplantCatalogue& catalogue) {
  ImplantDesign best;
  double best_distance = -1.0;
  for (int attempt = 0; attempt < 40; ++attempt) {
    ImplantDesign d;
    d.id = "UNKNOWN";
    d.manufacturer = "unknown";
    d.model = "design outside the catalogue";
    d.type = "total_hip";
    d.stem_length_mm = rng.uniform(90.0, 190.0);
    d.stem_proximal_width_mm = rng.uniform(15.0, 26.0);
    d.stem_distal_width_mm = rng.uniform(7.0, std::min(15.0, d.stem_proximal_width_mm - 2.0));
    d.stem_shoulder_mm = rng.uniform(0.0, 14.0);
    d.stem_curvature = rng.chance(0.3) ? rng.uniform(3.0, 8.0) : 0.0;
    d.collar = rng.chance(0.4);
    d.fins = rng.chance(0.3) ? rng.integer(1, 5) : 0;
    d.holes = rng.chance(0.3) ? rng.integer(1, 3) : 0;
    d.tip = rng.chance(0.5) ? "pointed" : "round";
    d.neck_angle_deg = rng.uniform(120.0, 142.0);
    d.neck_length_mm = rng.uniform(24.0, 36.0);
    d.head_diameter_mm = std::vector<double>{22, 28, 32, 36, 40}[rng.index(5)];
    d.cup = std::vector<std::string>{"hemispherical", "flanged", "dual_mobility"}[rng.index(3)];
    d.cup_diameter_mm = std::max(d.head_diameter_mm + 12.0, rng.uniform(46.0, 62.0));
    d.cup_wall_mm = d.cup == "dual_mobility" ? 6.0 : rng.uniform(3.0, 5.0);
    d.cup_screw_holes = rng.chance(0.4) ? rng.integer(1, 5) : 0;
    // Distance to the nearest catalogue design in a rough "how it looks" space.
    double nearest = 1e9;
    for (const auto& c : catalogue.designs()) {
      const double dist = std::abs(d.stem_length_mm - c.stem_length_mm) / 10.0 +
                          std::abs(d.neck_angle_deg - c.neck_angle_deg) / 3.0 +
                          std::abs(d.head_diameter_mm - c.head_diameter_mm) / 4.0 +
                          3.0 * std::abs(d.holes - c.holes) + 3.0 * std::abs(d.fins - c.fins) +
                          3.0 * (d.collar != c.collar) + 3.0 * (d.cup != c.cup) +
                          std::abs(d.stem_curvature - c.stem_curvature) / 2.0;
      nearest = std::min(nearest, dist);
    }
    if (nearest > best_distance) best = d, best_distance = nearest;
    if (nearest >= 8.0) break;
  }
  return best;
}

}  // namespace osteon::phantom
