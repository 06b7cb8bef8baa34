// AP pelvis with both proximal femora and hip implants on none, one or both sides.
// Canonical frame: adult millimetres, origin midway between the hip centres, y down, the
// patient's right on the image left (x < 0).
#include "hip.hpp"

#include "implant.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace osteon::phantom {
namespace {

constexpr double pi = 3.14159265358979323846;

Poly mirrored(Poly poly, bool right) {
  if (!right)
    for (Vec& p : poly) p.x = -p.x;
  return poly;
}

std::vector<Vec> scaled(std::vector<Vec> points, double s) {
  for (Vec& p : points) p *= s;
  return points;
}

void draw_pelvis(Canvas& c, double s, Rng& rng) {
  for (const bool right : {true, false}) {
    // Ilium from the acetabular roof up to the crest and back to the sacroiliac joint, with
    // the pubis and ischium around the obturator foramen.
    const Poly ilium = mirrored(smooth_path(scaled({{-112, -18}, {-126, -48}, {-142, -84}, {-144, -112},
                                                    {-128, -146}, {-92, -166}, {-60, -152}, {-42, -112},
                                                    {-38, -72}, {-54, -40}, {-66, -14}, {-112, -18}}, s), 5), right);
    const Poly pubis = mirrored(smooth_path(scaled({{-66, -14}, {-40, 14}, {-8, 36}, {-6, 62}, {-30, 80},
                                                    {-62, 90}, {-90, 84}, {-104, 56}, {-112, 24}, {-110, 0},
                                                    {-66, -14}}, s), 5), right);
    const Poly foramen = mirrored(ellipse_poly(Vec{-58, 50} * s, 17 * s, 24 * s, 25, 28), right);
    const Poly wing_thin = mirrored(ellipse_poly(Vec{-100, -112} * s, 26 * s, 30 * s, -30, 28), right);
    c.add_solid(c.bone, {ilium, pubis}, {foramen}, {2.2 * s, 0.65, 0.3, 0.8});
    c.add(c.bone, wing_thin, -0.12);  // the thin centre of the iliac wing
    // Acetabular roof (sourcil) and the pelvic brim line.
    std::vector<Vec> roof;
    for (int k = 0; k <= 14; ++k) {
      const double a = pi * (1.05 + 0.75 * k / 14.0);
      roof.push_back(Vec{-92 + 27 * std::cos(a), 27 * std::sin(a)} * s);
    }
    c.add_solid(c.bone, {mirrored(band_poly(roof, 2.2 * s), right)}, {}, {1.0 * s, 0.45, 0.4, 0.8});
    c.add_solid(c.bone, {mirrored(band_poly(smooth_path(scaled({{-40, -92}, {-60, -50}, {-70, -6}, {-40, 22}, {-10, 36}}, s)),
                                            1.4 * s), right)},
                {}, {0.8 * s, 0.35, 0.3, 0.8});
  }
  // Sacrum with its foramina, coccyx, and L5.
  std::vector<Poly> foramina;
  for (int k = 0; k < 4; ++k)
    for (const double side : {-1.0, 1.0})
      foramina.push_back(ellipse_poly(Vec{side * (15 - 2.0 * k), -112 + 20.0 * k} * s, 4 * s, 3.5 * s, 0, 14));
  c.add_solid(c.bone, {scaled({{-44, -134}, {44, -134}, {36, -76}, {14, -36}, {-14, -36}, {-36, -76}}, s)},
              foramina, {1.5 * s, 0.5, 0.35, 0.8});
  c.add_solid(c.bone, {tube_poly(Vec{0, -34} * s, Vec{0, -16} * s, [&](double t) { return (6 - 3 * t) * s; }, 6, 0.8)},
              {}, {1.0 * s, 0.4, 0.3, 0.8});
  c.add_solid(c.bone, {tube_poly(Vec{-26, -152} * s, Vec{26, -152} * s, [&](double) { return 13 * s; }, 6, 0.3),
                       tube_poly(Vec{-52, -150} * s, Vec{52, -150} * s, [&](double) { return 5 * s; }, 10, 0.8)},
              {}, {1.6 * s, 0.55, 0.4, 0.8});
  // Bowel gas: dark blobs that break simple thresholds.
  const int blobs = rng.integer(2, 7);
  for (int b = 0; b < blobs; ++b) {
    const Vec at{rng.uniform(-90, 90) * s, rng.uniform(-170, -40) * s};
    c.add(c.soft, ellipse_poly(at, rng.uniform(8, 22) * s, rng.uniform(6, 14) * s, rng.uniform(0, 180), 20),
          -rng.uniform(25.0, 60.0));
  }
}

void draw_femur(Canvas& c, const HipSubject& subject, std::size_t side_index, const HipFrame& hip,
                cv::Mat1b& labels, nlohmann::json& entry) {
  const double s = subject.size;
  const HipSide& side = subject.sides[side_index];
  const bool right = hip.right;
  const Vec u = hip.shaft_dir, lat = hip.lateral();
  const double head_r = (subject.patient.female ? 21.5 : 24.0) * s;
  const ImplantDesign* design = side.implant ? &*side.implant : nullptr;
  const bool replaced = design && design->type != "resurfacing";
  const Vec nd = hip.neck_dir(design ? design->neck_angle_deg : subject.neck_shaft_deg);
  const Vec j = design && replaced ? stem_junction(*design, hip) : hip.centre - nd * (50.0 * s);
  std::vector<Poly> parts;
  if (!replaced) {
    parts.push_back(ellipse_poly(hip.centre, head_r, head_r, 0, 40));
    parts.push_back(tube_poly(j, hip.centre, [&](double t) { return (17.0 - 2.0 * t) * s; }, 10, 0.2));
  } else {  // neck resected: a short calcar stump
    parts.push_back(tube_poly(j, j + nd * (14.0 * s), [&](double) { return 17.0 * s; }, 6, 0.0));
  }
  parts.push_back(ellipse_poly(j - u * (10.0 * s) + lat * (16.0 * s), 14 * s, 22 * s,
                               right ? -15.0 : 15.0, 28));  // greater trochanter
  parts.push_back(ellipse_poly(j + u * (40.0 * s) - lat * (15.0 * s), 8 * s, 9 * s, 0, 20));  // lesser
  parts.push_back(tube_poly(j - u * (12.0 * s), j + u * (360.0 * s),
                            [&](double t) { return (t < 0.12 ? 22.0 - 50.0 * t : 16.0) * s; }, 20, 0.5));
  c.add_solid(c.bone, parts, {}, {4.0 * s, 0.85, 0.3, 0.8});
  entry["side"] = right ? "right" : "left";
  if (!design) {
    entry["design_id"] = "none";
    return;
  }
  const int label = right ? 1 : 2;
  draw_implant(c, *design, hip, side.cup_inclination, labels, label);
  entry["design_id"] = design->id;
  entry["in_catalogue"] = side.in_catalogue;
  entry["manufacturer"] = design->manufacturer;
  entry["model"] = design->model;
  entry["type"] = design->type;
  entry["cup_inclination_deg"] = round_to(side.cup_inclination, 1);
  entry["head_center"] = point_json(c.pose().to_px(hip.centre));
}

HipFrame frame(const HipSubject& subject, bool right) {
  const double s = subject.size;
  const double tilt = 7.0 * pi / 180.0;  // femoral shafts converge distally
  HipFrame hip;
  hip.right = right;
  hip.centre = Vec{right ? -92.0 : 92.0, 0.0} * s;
  hip.shaft_dir = Vec{right ? std::sin(tilt) : -std::sin(tilt), std::cos(tilt)};
  hip.scale = s;
  return hip;
}

}  // namespace

HipSubject draw_hip_subject(Rng& rng, const ImplantCatalogue& catalogue) {
  HipSubject h;
  h.patient.female = rng.chance(0.55);
  h.size = rng.normal_in(h.patient.female ? 0.95 : 1.02, 0.04, 0.85, 1.12);
  h.neck_shaft_deg = rng.uniform(122.0, 138.0);
  const std::size_t which = rng.weighted({0.2, 0.3, 0.3, 0.2});  // none, right, left, both
  const bool same = rng.chance(0.5);
  for (std::size_t i = 0; i < 2; ++i) {
    const bool has = which == 3 || which == i + 1;
    if (!has) continue;
    HipSide& side = h.sides[i];
    if (i == 1 && same && h.sides[0].implant) {
      side = h.sides[0];
    } else if (rng.chance(0.12)) {
      side.implant = unknown_design(rng, catalogue);
      side.in_catalogue = false;
    } else {
      side.implant = catalogue.designs()[rng.index(catalogue.designs().size())];
    }
    side.cup_inclination = rng.uniform(35.0, 55.0);
  }
  const bool any = h.sides[0].implant || h.sides[1].implant;
  h.patient.age_months = (any ? rng.uniform(48.0, 92.0) : rng.uniform(20.0, 90.0)) * 12.0;
  return h;
}

Scene draw_hip(const HipSubject& subject, const Geometry& geometry, Rng& rng) {
  const double s = subject.size;
  const std::array<HipFrame, 2> hips{frame(subject, true), frame(subject, false)};
  // Placement: retried until every implant lies fully inside the image.
  Pose pose;
  bool inside = false;
  for (int attempt = 0; attempt < 30 && !inside; ++attempt) {
    pose = random_pose(geometry, Vec{0, 30} * s, rng, 15.0, 0.93, 1.07, 0.05);
    inside = true;
    for (std::size_t i = 0; i < 2; ++i) {
      if (!subject.sides[i].implant) continue;
      for (const Vec p : implant_extent(*subject.sides[i].implant, hips[i], subject.sides[i].cup_inclination)) {
        const Vec q = pose.to_px(p);
        inside = inside && q.x >= 6 && q.y >= 6 && q.x < geometry.cols - 6.0 && q.y < geometry.rows - 6.0;
      }
    }
  }
  Scene scene{Canvas(static_cast<int>(geometry.rows), static_cast<int>(geometry.cols), pose)};
  Canvas& c = scene.canvas;
  draw_pelvis(c, s, rng);
  cv::Mat1b labels(c.rows(), c.cols(), std::uint8_t{0});
  nlohmann::json implants = nlohmann::json::array();
  for (std::size_t i = 0; i < 2; ++i) {
    nlohmann::json entry;
    draw_femur(c, subject, i, hips[i], labels, entry);
    implants.push_back(entry);
  }
  // Bounding boxes from the implant mask, so they are exactly what is drawn.
  int with_implant = 0;
  std::string only_side = "none";
  for (auto& entry : implants) {
    if (entry["design_id"] == "none") continue;
    const int label = entry["side"] == "right" ? 1 : 2;
    cv::Mat1b one;
    cv::compare(labels, label, one, cv::CMP_EQ);
    const cv::Rect box = cv::boundingRect(one);
    entry["bbox"] = {box.x, box.y, box.width, box.height};
    scene.keep.push_back(box);
    ++with_implant;
    only_side = entry["side"].get<std::string>();
  }
  scene.truth["implants"] = implants;
  scene.truth["implant_sides"] = with_implant == 2 ? std::string("both") : only_side;
  scene.truth["implants_inside"] = inside;
  scene.truth["neck_shaft_deg"] = round_to(subject.neck_shaft_deg, 1);

  // Soft tissue: trunk and both thighs, thick in the middle.
  cv::Mat1b body(c.rows(), c.cols(), std::uint8_t{0});
  c.fill(body, smooth_path(scaled({{-150, -260}, {-168, -120}, {-182, 0}, {-178, 90}, {-160, 200}, {-150, 330},
                                   {-30, 330}, {-6, 150}, {6, 150}, {30, 330}, {150, 330}, {160, 200},
                                   {178, 90}, {182, 0}, {168, -120}, {150, -260}}, s), 6),
         255);
  soft_tissue_from_mask(c, body, 210.0 * s * rng.uniform(0.8, 1.25), 45.0 * s);
  scene.masks.push_back({"implant", labels});
  scene.marker.assign(1, rng.chance(0.7) ? 'R' : 'L');
  scene.marker_left = scene.marker == "R";
  scene.mu_soft = 0.006;
  return scene;
}

}  // namespace osteon::phantom
