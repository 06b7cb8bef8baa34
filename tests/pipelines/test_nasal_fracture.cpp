// The nasal fracture pipeline on skull phantoms with truth.
#include <cmath>
#include <variant>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pipeline_fixture.hpp"

using namespace osteon;
using pipelines::Outcome;
using nlohmann::json;

namespace {

// Clear cases: no fracture, or a fracture well above the phantom's smallest (gap >= 1.0 mm,
// step-off >= 1.6 mm, angulation >= 18 degrees).
bool clear_case(const json& t) {
  if (!t.at("fracture").get<bool>()) return true;
  const std::string type = t.at("fracture_type").get<std::string>();
  const double amount = t.at("fracture_amount").get<double>();
  return (type == "discontinuity" && amount >= 1.0) || (type == "step_off" && amount >= 1.6) ||
         (type == "angulation" && amount >= 18.0);
}

const std::vector<std::pair<eval::Sample, pipelines::Finding>>& skull_findings() {
  static const auto findings = [] {
    std::vector<std::pair<eval::Sample, pipelines::Finding>> out;
    for (const auto& s : eval::make_phantoms(phantom::Kind::skull, 24, 7101, test::scratch("skulls"))) {
      out.emplace_back(s, test::runtime().run("nasal_fracture", s.file));
    }
    return out;
  }();
  return findings;
}

} // namespace

TEST_CASE("the fracture decision is right on clear cases", "[nasal_fracture]") {
  test::require_models("nasal_fracture");
  int clear = 0, right = 0;
  for (const auto& [s, f] : skull_findings()) {
    INFO(s.file.filename().string() << ": " << f.summary);
    REQUIRE(f.outcome == Outcome::done);
    REQUIRE(std::holds_alternative<results::NasalFractureFinding>(*f.result));
    const auto& n = std::get<results::NasalFractureFinding>(*f.result);
    CHECK(n.probability >= 0.0);
    CHECK(n.probability <= 1.0);
    if (!clear_case(s.truth)) continue;
    ++clear;
    const bool fractured = s.truth.at("fracture").get<bool>();
    right += (n.decision == results::Presence::present) == fractured;
  }
  INFO(right << " of " << clear << " clear cases right");
  REQUIRE(clear >= 8);
  CHECK(right >= clear * 85 / 100);
}

TEST_CASE("landmarks and the anomaly peak are given in source-image pixels", "[nasal_fracture]") {
  test::require_models("nasal_fracture");
  double err = 0;
  int n = 0;
  for (const auto& [s, f] : skull_findings()) {
    const json d = json::parse(f.data_json);
    const double width = s.truth.at("cols").get<double>();
    for (const char* k : {"nasion", "tip"}) {
      err += std::hypot(d.at(k)[0].get<double>() - s.truth.at(k)[0].get<double>(),
                        d.at(k)[1].get<double>() - s.truth.at(k)[1].get<double>()) / width;
      ++n;
    }
    const auto& nf = std::get<results::NasalFractureFinding>(*f.result);
    if (nf.peak) {
      // The peak lies in the nasal crop around the landmarks.
      const double cx = d.at("crop").at("centre")[0].get<double>(), cy = d.at("crop").at("centre")[1].get<double>();
      const double half = d.at("crop").at("side_source_px").get<double>() / 2;
      CHECK(std::abs(nf.peak->column - cx) <= half + 1);
      CHECK(std::abs(nf.peak->row - cy) <= half + 1);
      CHECK(nf.threshold);
    }
  }
  INFO("mean landmark error " << 100.0 * err / n << " % of the width");
  CHECK(err / n < 0.03);
}

TEST_CASE("a fractured case's anomaly peak is near the fracture point", "[nasal_fracture]") {
  test::require_models("nasal_fracture");
  int cases = 0, near = 0;
  for (const auto& [s, f] : skull_findings()) {
    const auto& nf = std::get<results::NasalFractureFinding>(*f.result);
    if (!s.truth.at("fracture").get<bool>() || !nf.peak) continue;
    const json d = json::parse(f.data_json);
    const auto& fp = s.truth.at("fracture_point");
    const double dist = std::hypot(nf.peak->column - fp[0].get<double>(), nf.peak->row - fp[1].get<double>());
    const double crop_px = dist / d.at("crop").at("side_source_px").get<double>() * 256.0;
    ++cases;
    near += crop_px <= 20.0;
  }
  INFO(near << " of " << cases << " peaks within 20 crop px");
  REQUIRE(cases >= 3);
  CHECK(near * 10 >= cases * 6);
}

TEST_CASE("the nasal SC has the source's size, the disclaimer and a colour legend", "[nasal_fracture]") {
  test::require_models("nasal_fracture");
  const auto& [s, f] = skull_findings().front();
  REQUIRE(f.illustration);
  const auto& img = f.illustration->image;
  REQUIRE(img.rows == s.truth.at("rows").get<unsigned>());
  REQUIRE(img.cols == s.truth.at("cols").get<unsigned>());
  CHECK(test::burned_in(f, "AI result - not for primary diagnosis"));
  CHECK(test::burned_in(f, "nasal_fracture"));
  CHECK(test::burned_in(f, "probability"));
  CHECK(test::burned_in(f, "Decision:"));
  // The colour bar at the right edge: red at its top, blue at its bottom.
  const unsigned margin = std::max(4u, img.cols / 60), bar_w = std::max(8u, img.cols / 40), bar_h = std::max(32u, img.rows / 3);
  const unsigned x = img.cols - margin - bar_w / 2, y_top = img.rows / 2 - bar_h / 2 + 2, y_bottom = y_top + bar_h - 5;
  const auto px = [&](unsigned r, unsigned c) { return &img.pixels[(std::size_t{r} * img.cols + c) * 3]; };
  CHECK(px(y_top, x)[0] > 100);
  CHECK(px(y_top, x)[2] < 60);
  CHECK(px(y_bottom, x)[2] > 100);
  CHECK(px(y_bottom, x)[0] < 60);
}
