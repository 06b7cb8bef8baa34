// What the viewer draws sits where the findings are: phantoms with truth through the real
// pipelines, then their SR (SCOORD) and GSPS written and read back. Hand outline around the hand,
// implant outline on the implant, the circle on the anomaly map's peak, landmarks on the truth's.
#include <algorithm>
#include <cmath>
#include <variant>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "osteon/results/gsps_reader.hpp"
#include "osteon/results/gsps_writer.hpp"
#include "osteon/results/sr_reader.hpp"
#include "osteon/results/sr_writer.hpp"
#include "pipeline_fixture.hpp"

using namespace osteon;
using nlohmann::json;

namespace {

struct Box {
  double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
  void add(double x, double y) {
    x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y);
  }
  double area() const { return std::max(0.0, x1 - x0) * std::max(0.0, y1 - y0); }
  bool contains(double x, double y) const { return x >= x0 && x <= x1 && y >= y0 && y <= y1; }
};

Box truth_box(const json& xywh) {
  Box b;
  b.add(xywh.at(0).get<double>(), xywh.at(1).get<double>());
  b.add(xywh.at(0).get<double>() + xywh.at(2).get<double>(), xywh.at(1).get<double>() + xywh.at(3).get<double>());
  return b;
}

Box box_of(const std::vector<float>& xy) {
  Box b;
  for (std::size_t i = 0; i + 1 < xy.size(); i += 2) b.add(xy[i], xy[i + 1]);
  return b;
}

double iou(const Box& a, const Box& b) {
  Box i{std::max(a.x0, b.x0), std::max(a.y0, b.y0), std::min(a.x1, b.x1), std::min(a.y1, b.y1)};
  const double inter = (i.x1 > i.x0 && i.y1 > i.y0) ? i.area() : 0.0;
  return inter / (a.area() + b.area() - inter);
}

// The findings' points as GSPS/SCOORD data: +0.5 (origin at the top left corner of the image).
std::vector<float> as_data(const results::Outline& outline, bool closed) {
  std::vector<float> out;
  for (const auto& p : outline) out.insert(out.end(), {static_cast<float>(p.column + 0.5), static_cast<float>(p.row + 0.5)});
  if (closed && !outline.empty()) out.insert(out.end(), {out[0], out[1]});
  return out;
}

void check_same(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(want[i]).margin(1e-3));
}

struct Written {
  results::GspsContent gsps;
  std::vector<results::SrItem> sr;
};

// SR and GSPS for the finding, as the node writes them, read back.
Written write_and_read(const eval::Sample& s, const pipelines::Finding& f) {
  results::ResultContext ctx;
  ctx.source_file = s.file;
  ctx.device.uid = "2.25.123456789012345678901234567890123";
  ctx.algorithm.name = f.model_name;
  ctx.algorithm.version = f.model_version;
  ctx.window = f.display_window;
  const auto dir = test::scratch("overlays");
  const auto stem = s.file.stem().string();
  const auto sr = results::write_sr(ctx, *f.result, dir / (stem + "_sr.dcm"));
  const auto gsps = results::write_gsps(ctx, *f.result, dir / (stem + "_gsps.dcm"));
  REQUIRE(gsps);
  return {results::read_gsps(gsps->file), results::read_sr_items(sr.file)};
}

std::vector<results::GspsGraphic> on_layer(const results::GspsContent& g, const std::string& layer) {
  std::vector<results::GspsGraphic> out;
  for (const auto& o : g.graphics)
    if (o.layer == layer) out.push_back(o);
  return out;
}

// The SCOORDs of the SR, in document order.
std::vector<results::SrItem> scoords(const std::vector<results::SrItem>& sr) {
  std::vector<results::SrItem> out;
  for (const auto& i : sr)
    if (i.value_type == "SCOORD") out.push_back(i);
  return out;
}

} // namespace

TEST_CASE("the hand outline of SR and GSPS lies around the phantom's hand", "[overlays]") {
  test::require_models("bone_age");
  int checked = 0;
  for (const auto& s : eval::make_phantoms(phantom::Kind::hand, 4, 7311, test::scratch("overlay-hands"))) {
    const auto f = test::runtime().run("bone_age", s.file);
    INFO(s.file.filename().string() << ": " << f.summary);
    if (f.outcome != pipelines::Outcome::done) continue;
    ++checked;
    const auto& finding = std::get<results::BoneAgeFinding>(*f.result);
    REQUIRE(finding.hand_outline.size() >= 3);
    CHECK(finding.hand_outline.size() <= 64);
    const auto data = as_data(finding.hand_outline, true);
    CHECK(iou(box_of(data), truth_box(s.truth.at("hand_bbox"))) >= 0.6);
    const auto w = write_and_read(s, f);
    const auto outline = on_layer(w.gsps, results::gsps_layer_hand);
    REQUIRE(outline.size() == 1);
    CHECK(outline[0].type == "POLYLINE");
    check_same(outline[0].data, data);
    const auto regions = scoords(w.sr);
    REQUIRE(regions.size() == 1);
    CHECK(regions[0].graphic_type == "POLYLINE");
    check_same(regions[0].points, data);
    // The SD score where the phantom's sex and age allow it.
    const json d = json::parse(f.data_json);
    CHECK((d.contains("sd_score") && (d["sd_score"].is_number() || d.contains("sd_not_reported"))));
  }
  CHECK(checked >= 3);
}

TEST_CASE("each implant outline of SR and GSPS lies on the phantom's implant", "[overlays]") {
  test::require_models("implant_id");
  int checked = 0;
  for (const auto& s : eval::make_phantoms(phantom::Kind::hip, 6, 7221, test::scratch("overlay-hips"))) {
    const auto f = test::runtime().run("implant_id", s.file);
    INFO(s.file.filename().string() << ": " << f.summary);
    REQUIRE(f.outcome == pipelines::Outcome::done);
    const auto& finding = std::get<results::ImplantFinding>(*f.result);
    const auto w = write_and_read(s, f);
    const auto drawn = on_layer(w.gsps, results::gsps_layer_implant);
    const auto regions = scoords(w.sr);
    std::size_t outlines = 0;
    for (const auto& side : finding.sides) {
      if (!side.implant_found) continue;
      REQUIRE(side.outline.size() >= 3);
      const auto data = as_data(side.outline, true);
      // The truth's implant on that side: the outline lies within its box (a few pixels of
      // margin for the segmentation's edge) and covers most of it.
      const std::string name = side.side == results::Laterality::right ? "right" : "left";
      for (const auto& t : s.truth.at("implants")) {
        if (t.at("side") != name || !t.contains("bbox")) continue;
        ++checked;
        Box truth = truth_box(t.at("bbox"));
        const double margin = 0.05 * std::max(truth.x1 - truth.x0, truth.y1 - truth.y0) + 4;
        Box grown{truth.x0 - margin, truth.y0 - margin, truth.x1 + margin, truth.y1 + margin};
        for (std::size_t i = 0; i < data.size(); i += 2) CHECK(grown.contains(data[i], data[i + 1]));
        CHECK(iou(box_of(data), truth) >= 0.5);
      }
      REQUIRE(outlines < drawn.size());
      check_same(drawn[outlines].data, data);
      REQUIRE(outlines < regions.size());
      check_same(regions[outlines].points, data);
      ++outlines;
    }
    CHECK(drawn.size() == outlines);
    CHECK(regions.size() == outlines);
  }
  CHECK(checked >= 4);
}

TEST_CASE("the anomaly circle sits on the map's peak and the landmarks on the phantom's", "[overlays]") {
  test::require_models("nasal_fracture");
  int peaks = 0, landmarks = 0;
  for (const auto& s : eval::make_phantoms(phantom::Kind::skull, 8, 7131, test::scratch("overlay-skulls"))) {
    const auto f = test::runtime().run("nasal_fracture", s.file);
    INFO(s.file.filename().string() << ": " << f.summary);
    if (f.outcome != pipelines::Outcome::done) continue;
    const auto& finding = std::get<results::NasalFractureFinding>(*f.result);
    const json d = json::parse(f.data_json);
    const auto w = write_and_read(s, f);
    // Landmarks: within 4 % of the image width of the truth's.
    REQUIRE(finding.nasion);
    REQUIRE(finding.tip);
    const double tolerance = 0.04 * s.truth.at("cols").get<double>();
    CHECK(std::hypot(finding.nasion->column - s.truth["nasion"][0].get<double>(),
                     finding.nasion->row - s.truth["nasion"][1].get<double>()) < tolerance);
    CHECK(std::hypot(finding.tip->column - s.truth["tip"][0].get<double>(),
                     finding.tip->row - s.truth["tip"][1].get<double>()) < tolerance);
    const auto points = on_layer(w.gsps, results::gsps_layer_landmarks);
    REQUIRE(points.size() == 2);
    check_same(points[0].data, as_data({*finding.nasion}, false));
    check_same(points[1].data, as_data({*finding.tip}, false));
    ++landmarks;
    // The SR: the peak (when reported), then nasion and tip, as POINTs.
    const auto regions = scoords(w.sr);
    REQUIRE(regions.size() == (finding.peak ? 3u : 2u));
    for (const auto& r : regions) CHECK(r.graphic_type == "POINT");
    check_same(regions[regions.size() - 2].points, as_data({*finding.nasion}, false));
    if (!finding.peak) {
      CHECK(on_layer(w.gsps, results::gsps_layer_anomaly).empty());
      continue;
    }
    // The peak is the anomaly map's maximum (the pipeline's data) and the circle's centre.
    ++peaks;
    CHECK(finding.peak->column == Approx(d["anomaly_peak"][0].get<double>()).margin(1.0));
    CHECK(finding.peak->row == Approx(d["anomaly_peak"][1].get<double>()).margin(1.0));
    const auto circle = on_layer(w.gsps, results::gsps_layer_anomaly);
    REQUIRE(circle.size() == 1);
    CHECK(circle[0].type == "CIRCLE");
    check_same({circle[0].data[0], circle[0].data[1]}, as_data({*finding.peak}, false));
    check_same(regions[0].points, as_data({*finding.peak}, false));
    // And it lies in the analysed crop around the nasal bone.
    const double half = d["crop"]["side_source_px"].get<double>() / 2;
    CHECK(std::abs(finding.peak->column - d["crop"]["centre"][0].get<double>()) <= half + 1);
    CHECK(std::abs(finding.peak->row - d["crop"]["centre"][1].get<double>()) <= half + 1);
  }
  CHECK(landmarks >= 6);
  CHECK(peaks >= 1);
}
