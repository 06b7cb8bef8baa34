// Lateral skull (left side to the detector, face to the image left) for nasal-bone fractures.
// Canonical frame: adult millimetres, origin at the sella turcica, y down, face towards -x.
#include "skull.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace osteon::phantom {
namespace {

constexpr double pi = 3.14159265358979323846;

std::vector<Vec> scaled(std::vector<Vec> points, double s) {
  for (Vec& p : points) p *= s;
  return points;
}

// The nasal bone centreline from nasion, bowed by `curve` mm, in `n` points.
std::vector<Vec> nasal_centreline(Vec nasion, Vec dir, double length, double curve, int n) {
  const Vec perp{-dir.y, dir.x};
  std::vector<Vec> path;
  for (int i = 0; i <= n; ++i) {
    const double t = static_cast<double>(i) / n;
    path.push_back(nasion + dir * (t * length) + perp * (curve * std::sin(pi * t)));
  }
  return path;
}

// Landmarks (cephalometric, adult): S sella (0,0), N nasion (-70,-8), ANS (-70,45),
// PNS (-20,45), menton (-60,118), gonion (5,85), condyle (15,15), porion (25,20).
void draw_vault(Canvas& c, double s, Rng& rng) {
  // Calvarium from the frontal bone above the nasion over the vertex to the occiput: a band
  // whose rims are the outer and inner tables and whose middle is the diploe.
  const double bulge = rng.uniform(-6.0, 6.0), back = rng.uniform(-6.0, 6.0);
  const std::vector<Vec> outline = smooth_path(scaled(
      {{-69, -9}, {-75, -22}, {-77, -48}, {-66, -80}, {-35, -104 - bulge}, {8, -112 - bulge},
       {55, -102}, {95, -70 + back}, {116, -25 + back}, {110, 14}, {88, 42}, {52, 52}},
      s), 10);
  std::vector<double> widths;
  for (std::size_t i = 0; i < outline.size(); ++i) {
    const double t = static_cast<double>(i) / static_cast<double>(outline.size() - 1);
    widths.push_back((t < 0.12 ? 5.5 - 20.0 * t : 3.2) * rng.uniform(0.97, 1.03) * s);
  }
  c.add_solid(c.bone, {band_poly(outline, widths)}, {}, {1.4 * s, 0.95, 0.35, 0.8});
  // Parietal walls seen face-on: a faint haze over the whole vault.
  std::vector<Vec> vault(outline.begin(), outline.end());
  vault.push_back(Vec{20, 30} * s);
  vault.push_back(Vec{-40, 0} * s);
  c.add(c.bone, vault, 0.2);
  // Coronal and lambdoid sutures: thin lucent zigzags across the band.
  for (const std::size_t at : {std::size_t{38}, std::size_t{74}}) {
    const Vec p = outline[at], q = outline[at + 1];
    Vec d = q - p;
    d /= std::hypot(d.x, d.y);
    const Vec n{-d.y, d.x};
    std::vector<Vec> zig;
    for (int k = -3; k <= 3; ++k)
      zig.push_back(p + n * (k * 1.3 * s) + d * ((k % 2 ? 1.0 : -1.0) * 0.8 * s));
    c.add(c.bone, band_poly(zig, 0.25 * s), -0.35);
  }
  // Frontal sinus between the tables above the nasion.
  const Poly sinus = ellipse_poly(Vec{-68, -24} * s, 3.5 * s, 9 * s, -10, 24);
  c.add(c.bone, sinus, -0.35);
  c.add(c.soft, sinus, -15.0);
}

void draw_base_and_face(Canvas& c, double s, Rng& rng) {
  const Solid dense{1.0 * s, 0.8, 0.6, 0.8}, medium{0.8 * s, 0.45, 0.25, 0.8};
  // Anterior cranial base and orbital roofs, sella turcica, clivus, sphenoid sinus.
  c.add_solid(c.bone, {band_poly(smooth_path(scaled({{-64, -6}, {-45, -2}, {-25, -6}, {-8, -5}}, s)), 1.4 * s)},
              {}, dense);
  std::vector<Vec> sella;
  for (int k = 0; k <= 12; ++k) {
    const double a = pi * k / 12.0;
    sella.push_back(Vec{-5.5 * std::cos(a), -4.0 + 5.0 * std::sin(a)} * s);
  }
  c.add_solid(c.bone, {band_poly(sella, 1.2 * s)}, {}, dense);
  c.add_solid(c.bone, {band_poly(scaled({{6, -8}, {10, 10}, {28, 44}}, s), 4.5 * s)}, {}, medium);
  c.add(c.soft, ellipse_poly(Vec{-4, 12} * s, 9 * s, 7 * s, 0, 24), -12.0);
  // Petrous ridge and mastoid with air cells.
  c.add_solid(c.bone, {smooth_path(scaled({{14, 6}, {32, 0}, {52, -3}, {62, 18}, {44, 30}, {24, 24}, {14, 6}}, s), 5)},
              {}, {1.5 * s, 0.9, 0.8, 0.8});
  std::vector<Poly> cells;
  for (int k = 0; k < 7; ++k)
    cells.push_back(ellipse_poly(Vec{44 + 4.5 * (k % 3), 30 + 4.0 * (k / 3)} * s, 1.5 * s, 1.3 * s, 0, 12));
  c.add_solid(c.bone, {ellipse_poly(Vec{48, 34} * s, 10 * s, 8 * s, 30, 24)}, cells, medium);
  // Orbital rim, zygoma and arch, maxilla with its sinus, hard palate.
  std::vector<Vec> orbit;
  for (int k = 0; k <= 16; ++k) {
    const double a = pi * (0.2 + 1.1 * k / 16.0);
    orbit.push_back(Vec{-52 + 16 * std::cos(a), 6 + 16 * std::sin(a)} * s);
  }
  c.add_solid(c.bone, {band_poly(orbit, 1.4 * s)}, {}, medium);
  c.add_solid(c.bone, {band_poly(smooth_path(scaled({{-50, 24}, {-25, 26}, {0, 24}, {12, 20}}, s)), 3.0 * s)},
              {}, medium);
  const Poly sinus = ellipse_poly(Vec{-40, 30} * s, 17 * s, 12 * s, -8, 28);
  c.add_solid(c.bone, {scaled({{-66, 18}, {-30, 14}, {-18, 30}, {-20, 50}, {-72, 52}}, s)}, {sinus},
              {1.0 * s, 0.4, 0.2, 0.8});
  c.add(c.soft, sinus, -25.0);
  c.add_solid(c.bone, {band_poly(scaled({{-74, 45}, {-45, 47}, {-20, 45}}, s), 2.4 * s)}, {}, dense);
  // Teeth: upper and lower rows; bright enamel crowns meet at the occlusal plane (y ~ 72),
  // fainter roots point away from it. Molars are wider than incisors.
  for (int k = 0; k < 8; ++k) {
    const double x = (-70 + 6.4 * k + rng.uniform(-0.6, 0.6)) * s;
    const double w = (k < 3 ? 2.3 : (k < 5 ? 3.0 : 4.2)) * s;
    const double lean = k < 2 ? -4.0 * s : 0.0;  // proclined incisors
    auto root = [&](double t) { return w * (0.35 + 0.55 * t); };
    c.add_solid(c.bone, {tube_poly(Vec{x - lean, 54 * s}, Vec{x, 64 * s}, root, 6, 0.8)}, {},
                {1.0 * s, 0.7, 0.5, 0.8});
    c.add_solid(c.bone, {ellipse_poly(Vec{x, 67.5 * s}, w, 4.5 * s, 0, 16)}, {}, {1.2 * s, 1.2, 1.0, 0.8});
    c.add_solid(c.bone, {tube_poly(Vec{x + lean * 0.5, 92 * s}, Vec{x, 81 * s}, root, 6, 0.8)}, {},
                {1.0 * s, 0.7, 0.5, 0.8});
    c.add_solid(c.bone, {ellipse_poly(Vec{x, 77.0 * s}, w, 4.5 * s, 0, 16)}, {}, {1.2 * s, 1.2, 1.0, 0.8});
  }
  // Mandible: symphysis, body, angle, ramus to the condyle; coronoid process.
  const auto body = smooth_path(scaled({{-68, 92}, {-66, 110}, {-50, 118}, {-20, 112}, {2, 96}, {8, 70}, {12, 40}, {15, 16}}, s));
  std::vector<double> widths;
  for (std::size_t k = 0; k < body.size(); ++k)
    widths.push_back((k < 10 ? 9.0 : (k < 30 ? 7.0 : 5.5)) * s);
  c.add_solid(c.bone, {band_poly(body, widths), band_poly(scaled({{8, 60}, {-18, 32}}, s), 3.5 * s)}, {},
              {2.0 * s, 0.75, 0.3, 0.8});
  // Cervical spine: dens and C2-C6 bodies with their posterior elements.
  c.add_solid(c.bone, {tube_poly(Vec{34, 64} * s, Vec{30, 42} * s, [&](double) { return 5.0 * s; }, 6, 0.9)},
              {}, {1.0 * s, 0.5, 0.35, 0.8});
  c.add_solid(c.bone, {ellipse_poly(Vec{20, 46} * s, 4 * s, 5 * s, 0, 16)}, {}, {1.0 * s, 0.5, 0.3, 0.8});
  for (int k = 0; k < 5; ++k) {
    const Vec centre = Vec{38 + 2.5 * k, 72 + 19.0 * k} * s;
    c.add_solid(c.bone, {tube_poly(centre - Vec{7.5, 1.0} * s, centre + Vec{7.5, 1.0} * s,
                                   [&](double) { return 6.5 * s; }, 6, 0.25)},
                {}, {1.3 * s, 0.6, 0.3, 0.8});
    c.add_solid(c.bone, {tube_poly(centre + Vec{11, -2} * s, centre + Vec{22, 0} * s,
                                   [&](double) { return 5.0 * s; }, 6, 0.6),
                         tube_poly(centre + Vec{20, 0} * s, centre + Vec{36, 6} * s,
                                   [&](double t) { return (3.0 - 1.2 * t) * s; }, 6, 0.8)},
                {}, {1.0 * s, 0.45, 0.3, 0.8});
  }
}

}  // namespace

SkullSubject draw_skull_subject(Rng& rng) {
  SkullSubject k;
  k.patient.female = rng.chance(0.5);
  k.patient.age_months = rng.uniform(16.0, 85.0) * 12.0;
  k.size = rng.normal_in(k.patient.female ? 0.94 : 1.0, 0.03, 0.86, 1.08);
  k.nasal_length_mm = rng.uniform(17.0, 28.0);
  k.nasal_angle_deg = rng.uniform(22.0, 48.0);
  k.nasal_curve = rng.uniform(-1.2, 1.6);
  k.nasal_thickness = rng.uniform(0.8, 1.25);
  if (rng.chance(0.5)) {
    k.fracture = static_cast<FractureType>(1 + rng.index(3));
    k.fracture_t = rng.uniform(0.3, 0.85);
    switch (k.fracture) {
      case FractureType::discontinuity: k.fracture_amount = rng.uniform(0.5, 1.4); break;
      case FractureType::step_off: k.fracture_amount = rng.uniform(0.9, 2.6) * rng.sign(); break;
      case FractureType::angulation: k.fracture_amount = rng.uniform(10.0, 28.0) * rng.sign(); break;
      case FractureType::none: break;
    }
    k.fracture_obliquity = rng.uniform(-30.0, 30.0);
  }
  k.groove = rng.chance(0.5);
  k.groove_offset = rng.uniform(-0.3, 0.3);
  return k;
}

Scene draw_skull(const SkullSubject& k, const Geometry& geometry, Rng& rng) {
  const double s = k.size;
  const Vec nasion = Vec{-70, -8} * s;
  const double a = k.nasal_angle_deg * pi / 180.0;
  const Vec dir{-std::sin(a), std::cos(a)};  // down and forwards
  const Vec perp{dir.y, -dir.x};             // points backwards (into the face)
  const double length = k.nasal_length_mm * s;
  // Placement: retried until nasion and tip are well inside the image.
  Pose pose;
  for (int attempt = 0; attempt < 20; ++attempt) {
    pose = random_pose(geometry, Vec{4, 8} * s, rng, 15.0, 0.92, 1.08, 0.05);
    const Vec n = pose.to_px(nasion), t = pose.to_px(nasion + dir * (length * 1.6));
    const double margin = 40.0;
    if (n.x > margin && n.y > margin && t.x > margin && t.y > margin && t.x < geometry.cols - margin &&
        t.y < geometry.rows - margin && n.x < geometry.cols - margin)
      break;
  }
  Scene scene{Canvas(static_cast<int>(geometry.rows), static_cast<int>(geometry.cols), pose)};
  Canvas& c = scene.canvas;
  draw_vault(c, s, rng);
  draw_base_and_face(c, s, rng);

  // Frontal process of the maxilla behind the nasal bone, and the nasal cavity.
  c.add_solid(c.bone, {Poly{nasion + perp * (1.2 * s) + Vec{2, -4} * s, nasion + perp * (1.0 * s),
                            nasion + dir * (length * 0.85) + perp * (2.2 * s),
                            nasion + dir * (length * 0.95) + perp * (8.0 * s), Vec{-64, 36} * s,
                            Vec{-58, 20} * s, Vec{-56, -2} * s}},
              {}, {0.8 * s, 0.38, 0.22, 0.8});
  c.add(c.soft, ellipse_poly(Vec{-50, 36} * s, 16 * s, 7 * s, 0, 24), -10.0);

  // Nasal bone, split at the fracture when there is one.
  const int n = 24;
  const auto path = nasal_centreline(nasion, dir, length, k.nasal_curve * s, n);
  auto half_width = [&](std::size_t i) {
    const double t = static_cast<double>(i) / n;
    return (1.7 - 1.0 * t) * k.nasal_thickness * s;
  };
  cv::Mat1b nasal(c.rows(), c.cols(), std::uint8_t{0});
  const Solid look{0.7 * s, 1.0, 0.8, 0.7};
  const bool fractured = k.fracture != FractureType::none;
  const auto split = static_cast<std::size_t>(std::lround(k.fracture_t * n));
  std::vector<Vec> proximal(path.begin(), path.begin() + static_cast<long>(fractured ? split + 1 : path.size()));
  std::vector<double> pw;
  for (std::size_t i = 0; i < proximal.size(); ++i) pw.push_back(half_width(i));
  c.add_solid(c.bone, {band_poly(proximal, pw)}, {}, look, &nasal, 255);
  Vec tip = path.back();
  const Vec fracture_point = path[std::min(split, path.size() - 1)];
  if (fractured) {
    Vec d = path[split + 1] - path[split];
    d /= std::hypot(d.x, d.y);
    const Vec inward{d.y, -d.x};
    std::vector<Vec> distal(path.begin() + static_cast<long>(split), path.end());
    Vec shift{0, 0};
    double turn = 0.0;
    if (k.fracture == FractureType::discontinuity) shift = d * (k.fracture_amount * s);
    if (k.fracture == FractureType::step_off) shift = inward * (k.fracture_amount * s) + d * (0.2 * s);
    if (k.fracture == FractureType::angulation) turn = k.fracture_amount, shift = d * (0.25 * s);
    distal = transformed(distal, fracture_point, turn, shift);
    std::vector<double> dw;
    for (std::size_t i = split; i < path.size(); ++i) dw.push_back(half_width(i));
    c.add_solid(c.bone, {band_poly(distal, dw)}, {}, look, &nasal, 255);
    tip = distal.back();
    // An oblique lucent fracture line through the break.
    const Vec across = rotate(inward, k.fracture_obliquity);
    c.add(c.bone, band_poly({fracture_point - across * (3.0 * s), fracture_point + across * (3.0 * s)},
                            0.18 * s), -0.5);
  }
  // Distractors: frontonasal suture (transverse, at the root), nasomaxillary suture (parallel,
  // behind the bone) and an optional neurovascular groove along the bone.
  const Vec root = path[1];
  c.add(c.bone, band_poly({root - perp * (3.0 * s) + dir * (0.6 * s), root + perp * (3.0 * s)}, 0.16 * s), -0.45);
  std::vector<Vec> suture;
  for (std::size_t i = 2; i + 6 < path.size(); ++i) suture.push_back(path[i] + perp * ((2.6 + 0.06 * static_cast<double>(i)) * s));
  c.add(c.bone, band_poly(suture, 0.17 * s), -0.35);
  if (k.groove) {
    std::vector<Vec> groove;
    for (std::size_t i = 5; i + 5 < path.size(); ++i) groove.push_back(path[i] + perp * (k.groove_offset * s));
    c.add(c.bone, band_poly(groove, 0.14 * s), -0.3);
  }

  // Soft tissue: head and neck (thick), nose (thin) added separately so it is not blurred away.
  cv::Mat1b head(c.rows(), c.cols(), std::uint8_t{0});
  c.fill(head, smooth_path(scaled({{-82, -60}, {-83, -20}, {-76, -4}, {-74, 30}, {-84, 48}, {-88, 62},
                                   {-84, 72}, {-86, 84}, {-78, 96}, {-80, 116}, {-62, 130}, {-30, 136},
                                   {-20, 150}, {-18, 260}, {100, 260}, {104, 80}, {124, 10}, {122, -30},
                                   {100, -80}, {58, -110}, {8, -120}, {-40, -112}, {-72, -88}, {-82, -60}}, s),
                     6),
         255);
  const Vec nose_tip = tip + dir * (16.0 * s) - perp * (8.0 * s);
  cv::Mat1b nose(c.rows(), c.cols(), std::uint8_t{0});
  c.fill(nose, Poly{nasion + Vec{-6, -8} * s, nasion - perp * (5.5 * s), tip - perp * (6.0 * s),
                    nose_tip, nose_tip + Vec{5, 9} * s, Vec{-78, 46} * s, Vec{-70, 20} * s,
                    Vec{-68, -4} * s},
         255);
  head = soft_tissue_from_mask(c, head, 110.0 * s, 14.0 * s);
  nose = soft_tissue_from_mask(c, nose, 34.0 * s, 2.5 * s);
  // Airway: naso- and oropharynx.
  c.add(c.soft, band_poly(smooth_path(scaled({{-16, 38}, {10, 48}, {20, 80}, {24, 130}, {26, 200}}, s)), 5.5 * s), -70.0);

  cv::Mat1b fracture_mask(c.rows(), c.cols(), std::uint8_t{0});
  nlohmann::json& t = scene.truth;
  t["nasion"] = point_json(pose.to_px(nasion));
  t["tip"] = point_json(pose.to_px(tip));
  t["fracture"] = fractured;
  t["nasal_length_mm"] = round_to(length, 1);
  t["nasal_angle_deg"] = round_to(k.nasal_angle_deg, 1);
  t["groove"] = k.groove;
  if (fractured) {
    static const char* names[] = {"none", "discontinuity", "step_off", "angulation"};
    t["fracture_type"] = names[static_cast<int>(k.fracture)];
    t["fracture_point"] = point_json(pose.to_px(fracture_point));
    t["fracture_fraction"] = round_to(static_cast<double>(split) / n, 3);
    t["fracture_amount"] = round_to(k.fracture_amount, 2);
    // Small mask: a disc of 3 mm around the break, limited to the (dilated) nasal bone.
    cv::Mat1b near(c.rows(), c.cols(), std::uint8_t{0});
    c.fill(near, ellipse_poly(fracture_point, 3.0 * s, 3.0 * s, 0, 24), 255);
    cv::Mat1b grown;
    const int r = std::max(1, static_cast<int>(pose.px(1.0)));
    cv::dilate(nasal, grown, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * r + 1, 2 * r + 1)));
    cv::bitwise_and(near, grown, fracture_mask);
  } else {
    t["fracture_type"] = "none";
    t["fracture_point"] = nullptr;
  }
  // Collimation must leave the nose and the nasal bone visible.
  cv::Rect keep = cv::boundingRect(nose);
  keep |= cv::boundingRect(nasal);
  scene.keep.push_back(keep);
  scene.masks.push_back({"nasal", nasal});
  scene.masks.push_back({"fracture", fracture_mask});
  const bool right = rng.chance(0.2);
  if (right) scene.marker.assign(1, 'R');
  scene.marker_left = rng.chance(0.5);
  scene.mu_soft = 0.012;
  (void)head;
  return scene;
}

}  // namespace osteon::phantom
