// Left hand PA: radius, ulna, carpals, metacarpals, phalanges and sesamoid drawn at the
// skeletal maturity given by bone age and sex (see hand_maturity.hpp). Canonical frame:
// adult millimetres, origin at the capitate, fingers towards -y, thumb towards +x.
#include "hand.hpp"

#include "hand_maturity.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>

namespace osteon::phantom {
namespace {

// Label values of the "bones" mask.
constexpr int label_soft = 1, label_bone = 2, label_epiphysis = 3, label_sesamoid = 4,
              label_carpal0 = 10;

struct CarpalShape {
  Vec center;
  double rx, ry, angle;
};
// Adult positions relative to the capitate centre, same order as carpal_names.
const std::array<CarpalShape, 8> carpals{{{{0, 0}, 6.0, 10.0, 0},
                                              {{-11, -1}, 6.0, 8.5, -10},
                                              {{-15.5, 10}, 6.0, 5.0, 20},
                                              {{-4, 13}, 6.5, 5.5, 0},
                                              {{17, 1}, 6.0, 6.5, 20},
                                              {{9, -3}, 4.5, 5.5, 0},
                                              {{9.5, 12}, 5.5, 9.0, -50},
                                              {{-18, 7}, 4.2, 4.2, 0}}};

struct Ray {
  Vec base;
  double angle;                    // degrees from the finger axis (up), + towards the thumb
  double mc, pp, mp, dp;           // adult lengths, mm (mp = 0 for the thumb)
  double width;                    // relative width
};
const std::array<Ray, 5> rays{{{{20, 5}, 38, 45, 31, 0, 22, 1.2},
                                   {{9, -9}, 7, 68, 40, 23, 17, 1.0},
                                   {{1, -11}, 1, 64, 45, 28, 19, 1.02},
                                   {{-8, -10}, -6, 57, 42, 26, 19, 0.93},
                                   {{-16, -8}, -13, 53, 33, 18, 17, 0.85}}};

struct HandDraw {
  Canvas& canvas;
  cv::Mat1b& labels;
  double s;  // size factor (mm per adult mm)
  double m;  // maturity, female-equivalent years
  double ratio_sum = 0.0;
  int physes = 0, fused = 0;
};

// A long bone from its far end to the end that carries the growth plate.
void long_bone(HandDraw& h, Vec far, Vec phys_end, std::vector<double> half_widths, Physis physis,
               double zone_frac, bool round_epiphysis) {
  const Vec axis = phys_end - far;
  const double length = std::hypot(axis.x, axis.y);
  const Vec u = axis / length;
  const double ratio = epiphysis_ratio(physis, h.m);
  const double open = physis_open(physis, h.m);
  h.ratio_sum += ratio;
  ++h.physes;
  if (open <= 0.0) ++h.fused;
  const double zone = zone_frac * length;
  const double meta_half = half_widths.back();
  const double gap = open * (0.6 + 0.8 * (1.0 - std::min(h.m, 8.0) / 8.0)) * h.s;
  const Solid look{1.1 * h.s, 0.78, 0.36, 0.8};
  const double young = std::min(1.0, 0.55 + h.m / 14.0);  // slender bones in infants
  for (double& w : half_widths) w *= young;
  if (open > 0.0) {
    const Vec meta_end = phys_end - u * zone;
    h.canvas.add_solid(h.canvas.bone, {tube_poly(far, meta_end, [&](double t) {
                                         return profile(half_widths, t);
                                       }, 18, 0.15)},
                       {}, look, &h.labels, label_bone);
    if (ratio > 0.0) {
      const double epi_half = ratio * meta_half * young;
      const double height = std::max(0.8 * h.s, zone - gap) * (0.45 + 0.5 * std::min(ratio, 1.0));
      const double ry = round_epiphysis ? std::max(height, 0.75 * epi_half) * 0.5 : height * 0.5;
      const Vec c = meta_end + u * (gap + ry);
      const double angle = std::atan2(u.x, -u.y) * 180.0 / 3.14159265358979323846;
      h.canvas.add_solid(h.canvas.bone, {ellipse_poly(c, epi_half, ry, angle, 28)}, {},
                         {0.8 * h.s, 0.68, 0.42, 0.8}, &h.labels, label_epiphysis);
    }
  } else {
    h.canvas.add_solid(h.canvas.bone, {tube_poly(far, phys_end, [&](double t) {
                                         return profile(half_widths, t);
                                       }, 20, round_epiphysis ? 0.8 : 0.3)},
                       {}, look, &h.labels, label_bone);
    if (physis_open(physis, h.m - 1.5) > 0.0) {  // a faint physeal scar for 1.5 y after fusion
      const Vec at = phys_end - u * zone;
      const Vec n{-u.y, u.x};
      h.canvas.add(h.canvas.bone, band_poly({at - n * meta_half * 0.9, at + n * meta_half * 0.9},
                                            0.25 * h.s), 0.12);
    }
  }
}

void draw_carpals(HandDraw& h, nlohmann::json& truth) {
  nlohmann::json names = nlohmann::json::array();
  for (std::size_t k = 0; k < carpals.size(); ++k) {
    const double size = carpal_size(k, h.m);
    if (size <= 0.0) continue;
    names.push_back(carpal_names[k]);
    const CarpalShape& c = carpals[k];
    // Young nuclei are round; they take their adult shape as they grow.
    const double mean = 0.5 * (c.rx + c.ry);
    const double shape = std::clamp((size - 0.25) / 0.75, 0.0, 1.0);
    const double rx = (mean + (c.rx - mean) * shape) * size * h.s;
    const double ry = (mean + (c.ry - mean) * shape) * size * h.s;
    h.canvas.add_solid(h.canvas.bone, {ellipse_poly(c.center * h.s, rx, ry, c.angle, 32)}, {},
                       {0.9 * h.s, 0.68, 0.48, 0.8}, &h.labels,
                       label_carpal0 + static_cast<int>(k));
  }
  truth["ossified_carpals"] = names.size();
  truth["carpals_ossified"] = names;
}

void draw_forearm(HandDraw& h) {
  const double s = h.s;
  // Radius (thumb side) and ulna, growth plates at the distal ends.
  long_bone(h, Vec{11, 170} * s, Vec{8, 23} * s,
            {7.0 * s, 6.5 * s, 6.5 * s, 7.0 * s, 9.0 * s, 13.5 * s}, Physis::radius, 0.07, false);
  long_bone(h, Vec{-19, 175} * s, Vec{-20, 27} * s, {5.5 * s, 5.0 * s, 5.0 * s, 5.5 * s, 7.0 * s},
            Physis::ulna, 0.06, true);
}

void draw_rays(HandDraw& h, const HandSubject& subject, std::vector<Poly>& soft_parts) {
  const double s = h.s;
  for (std::size_t r = 0; r < rays.size(); ++r) {
    const Ray& ray = rays[r];
    const bool thumb = r == 0;
    const double angle = thumb ? subject.thumb_angle_deg
                               : ray.angle * (1.0 + subject.finger_spread_deg / 10.0);
    const Vec u = unit_dir(angle);
    const double w = ray.width * s;
    const double joint = (1.2 + 1.2 * std::max(0.0, 1.0 - h.m / 10.0)) * s;
    Vec p = ray.base * s;
    // Metacarpal: growth plate distal (head) for fingers, proximal (base) for the thumb.
    const Vec mc_end = p + u * (ray.mc * s);
    if (thumb) {
      long_bone(h, mc_end, p, {4.2 * w, 3.4 * w, 3.6 * w, 5.0 * w}, Physis::mc1, 0.16, false);
    } else {
      long_bone(h, p, mc_end, {4.8 * w, 3.4 * w, 3.2 * w, 3.8 * w, 4.6 * w}, Physis::mc, 0.13,
                true);
    }
    const Vec finger_start = mc_end;
    p = mc_end + u * joint;
    // Phalanges: growth plates at their bases.
    const double bend = thumb ? 4.0 : 0.0;
    Vec dir = u;
    for (int phalanx = 0; phalanx < 3; ++phalanx) {
      const double len = (phalanx == 0 ? ray.pp : phalanx == 1 ? ray.mp : ray.dp) * s;
      if (len <= 0.0) continue;
      dir = rotate(dir, bend);
      const Vec end = p + dir * len;
      const bool distal = phalanx == 2;
      const Physis physis = distal ? (thumb ? Physis::dp1 : Physis::dp)
                                   : (phalanx == 0 ? (thumb ? Physis::pp1 : Physis::pp) : Physis::mp);
      std::vector<double> widths;
      if (distal) widths = {2.6 * w, 1.8 * w, 2.2 * w, 3.4 * w};
      else if (phalanx == 0) widths = {3.9 * w, 3.0 * w, 3.2 * w, 4.6 * w};
      else widths = {3.3 * w, 2.6 * w, 2.8 * w, 4.0 * w};
      long_bone(h, end, p, widths, physis, 0.18, false);
      p = end + dir * joint;
    }
    const Vec tip = p + dir * (2.5 * s);
    const double finger_half = (thumb ? 9.5 : 8.0) * w;
    soft_parts.push_back(tube_poly(thumb ? Vec{22, 14} * s : finger_start - u * (10.0 * s), tip,
                                   [&](double t) { return finger_half * (1.0 - 0.25 * t); }, 12,
                                   0.9));
    // Sesamoid at the thumb MCP joint: appears around puberty.
    if (thumb && h.m > 11.0) {
      const double size = std::min(1.0, 0.4 + (h.m - 11.0) / 3.0) * 2.6 * s;
      const Vec n{-u.y, u.x};
      h.canvas.add_solid(h.canvas.bone, {ellipse_poly(mc_end - u * (3.0 * s) - n * (3.5 * w), size,
                                                      size * 1.2, angle, 20)},
                         {}, {0.5 * s, 0.45, 0.5, 0.8}, &h.labels, label_sesamoid);
    }
  }
}

Poly palm_outline(double s, const HandSubject& subject) {
  const double spread = 1.0 + subject.finger_spread_deg / 10.0;
  auto head = [&](std::size_t r, double side) {
    const Ray& ray = rays[r];
    const Vec u = unit_dir(ray.angle * spread);
    return ray.base * s + u * (ray.mc * s) + Vec{-u.y, u.x} * (side * 9.0 * s);
  };
  return {Vec{-32, 170} * s, Vec{-31, 30} * s, Vec{-30, 5} * s, head(4, 1.0) + Vec{-4, 4} * s,
          head(4, -0.3), head(3, 0.0), head(2, 0.0), head(1, -1.0), Vec{26, -10} * s,
          Vec{34, 12} * s, Vec{30, 40} * s, Vec{30, 170} * s};
}

}  // namespace

HandSubject draw_hand_subject(Rng& rng) {
  HandSubject subject;
  subject.patient.female = rng.chance(0.5);
  subject.bone_age_months = rng.uniform(1.0, subject.patient.female ? 216.0 : 228.0);
  // Chronological age: bone age plus a spread that grows with age; 12% markedly off.
  const double sd = 4.0 + 0.05 * subject.bone_age_months;
  double offset = rng.normal(0.0, sd);
  if (rng.chance(0.12)) offset += rng.sign() * rng.uniform(18.0, 36.0);
  subject.patient.age_months = std::clamp(subject.bone_age_months + offset, 0.5, 240.0);
  subject.size_jitter = rng.normal_in(1.0, 0.05, 0.88, 1.12);
  subject.finger_spread_deg = rng.uniform(-3.0, 6.0);
  subject.thumb_angle_deg = rng.uniform(28.0, 48.0);
  subject.soft_thickness = rng.uniform(0.85, 1.2);
  return subject;
}

Scene draw_hand(const HandSubject& subject, const Geometry& geometry, Rng& rng) {
  const double m = maturity_years(subject.bone_age_months, subject.patient.female);
  const double s = hand_size(m, subject.patient.female) * subject.size_jitter;
  const Vec anchor = Vec{2, -48} * s;
  Scene scene(Canvas(static_cast<int>(geometry.rows), static_cast<int>(geometry.cols),
                     random_pose(geometry, anchor, rng, 15.0, 0.92, 1.08, 0.07)));
  Canvas& canvas = scene.canvas;
  cv::Mat1b labels(canvas.rows(), canvas.cols(), std::uint8_t{0});
  cv::Mat1b hand(canvas.rows(), canvas.cols(), std::uint8_t{0});

  std::vector<Poly> soft_parts{palm_outline(s, subject)};
  HandDraw h{canvas, labels, s, m};
  draw_forearm(h);
  nlohmann::json& truth = scene.truth;
  draw_carpals(h, truth);
  draw_rays(h, subject, soft_parts);
  for (const Poly& part : soft_parts) canvas.fill(hand, part, 255);
  hand = soft_tissue_from_mask(canvas, hand, 26.0 * s * subject.soft_thickness, 6.0 * s);
  for (int y = 0; y < labels.rows; ++y) {
    auto* l = labels.ptr<std::uint8_t>(y);
    const auto* hm = hand.ptr<std::uint8_t>(y);
    for (int x = 0; x < labels.cols; ++x) {
      if (l[x] == 0 && hm[x] != 0) l[x] = label_soft;
    }
  }

  truth["bone_age_months"] = round_to(subject.bone_age_months, 1);
  truth["maturity_years"] = round_to(m, 2);
  truth["epiphysis_metaphysis_ratio_mean"] = round_to(h.ratio_sum / h.physes, 3);
  truth["physes_total"] = h.physes;
  truth["physes_fused"] = h.fused;
  truth["sesamoid"] = m > 11.0;
  const cv::Rect box = cv::boundingRect(hand);
  truth["hand_bbox"] = {box.x, box.y, box.width, box.height};
  scene.keep.push_back(box);
  scene.masks.push_back({"hand", hand});
  scene.masks.push_back({"bones", labels});
  scene.marker_left = rng.chance(0.5);
  scene.mu_soft = 0.014;
  return scene;
}

}  // namespace osteon::phantom
