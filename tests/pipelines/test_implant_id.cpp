// The implant identification pipeline on hip phantoms with truth.
#include <variant>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "osteon/pipelines/implant_id.hpp"
#include "pipeline_fixture.hpp"

using namespace osteon;
using pipelines::Outcome;
using nlohmann::json;

namespace {

const std::vector<std::pair<eval::Sample, pipelines::Finding>>& hip_findings() {
  static const auto findings = [] {
    std::vector<std::pair<eval::Sample, pipelines::Finding>> out;
    for (const auto& s : eval::make_phantoms(phantom::Kind::hip, 14, 7201, test::scratch("hips"))) {
      out.emplace_back(s, test::runtime().run("implant_id", s.file));
    }
    return out;
  }();
  return findings;
}

const json* side_of(const json& d, const std::string& side) {
  for (const auto& e : d.at("sides")) {
    if (e.at("side") == side) return &e;
  }
  return nullptr;
}

} // namespace

TEST_CASE("catalogue designs are identified with their top-3 from the catalogue", "[implant_id]") {
  test::require_models("implant_id");
  const auto catalogue = pipelines::load_implant_catalogue(test::runtime().models_dir / "implant_catalogue.json");
  int total = 0, found = 0, right = 0;
  for (const auto& [s, f] : hip_findings()) {
    INFO(s.file.filename().string() << ": " << f.summary);
    REQUIRE(f.outcome == Outcome::done);
    REQUIRE(std::holds_alternative<results::ImplantFinding>(*f.result));
    const json d = json::parse(f.data_json);
    for (const auto& side : std::get<results::ImplantFinding>(*f.result).sides) {
      if (!side.implant_found) continue;
      REQUIRE(side.candidates.size() == 3);
      CHECK(side.candidates[0].probability >= side.candidates[1].probability);
      CHECK(side.candidates[1].probability >= side.candidates[2].probability);
      for (const auto& c : side.candidates) {
        CHECK(std::any_of(catalogue.begin(), catalogue.end(), [&](const auto& d2) { return d2.model == c.model && d2.manufacturer == c.manufacturer; }));
      }
    }
    for (const auto& t : s.truth.at("implants")) {
      const std::string design = t.at("design_id").get<std::string>();
      if (design == "none" || design == "UNKNOWN") continue;
      ++total;
      const json* e = side_of(d, t.at("side").get<std::string>());
      if (!e) continue;
      ++found;
      right += e->at("top").at(0).at("id") == t.at("design_id");
    }
  }
  INFO(found << " of " << total << " catalogue implants found, " << right << " identified");
  REQUIRE(total >= 6);
  // The metal segmentation misses faint implants the classifier does not recognise either:
  // osteon-eval finds 93-97 % of them (300 and 200 hips), so 13 implants may fairly lose two.
  CHECK(found * 10 >= total * 8);
  CHECK(right * 10 >= total * 8);
}

TEST_CASE("an image without an implant says no implant found", "[implant_id]") {
  test::require_models("implant_id");
  int none = 0, said = 0;
  for (const auto& [s, f] : hip_findings()) {
    if (s.truth.at("implant_sides") != "none") continue;
    ++none;
    INFO(s.file.filename().string() << ": " << f.summary);
    const auto& finding = std::get<results::ImplantFinding>(*f.result);
    CHECK(finding.sides.empty());
    CHECK(f.summary == "no implant found");
    said += finding.sides.empty() && f.summary == "no implant found";
  }
  INFO(said << " of " << none);
  REQUIRE(none >= 1);
  CHECK(said == none);
}

TEST_CASE("a side without an implant is reported as such", "[implant_id]") {
  test::require_models("implant_id");
  int sides = 0, wrong = 0;
  for (const auto& [s, f] : hip_findings()) {
    const json d = json::parse(f.data_json);
    for (const auto& t : s.truth.at("implants")) {
      if (t.at("design_id") != "none") continue;
      ++sides;
      wrong += side_of(d, t.at("side").get<std::string>()) != nullptr;
    }
  }
  INFO(wrong << " of " << sides << " empty sides got an implant");
  CHECK(wrong * 10 <= sides);
}

TEST_CASE("the implant SC has the source's size, the disclaimer and the outline and label", "[implant_id]") {
  test::require_models("implant_id");
  for (const auto& [s, f] : hip_findings()) {
    if (std::get<results::ImplantFinding>(*f.result).sides.empty()) continue;
    REQUIRE(f.illustration);
    CHECK(f.illustration->image.rows == s.truth.at("rows").get<unsigned>());
    CHECK(f.illustration->image.cols == s.truth.at("cols").get<unsigned>());
    CHECK(test::burned_in(f, "AI result - not for primary diagnosis"));
    CHECK(test::burned_in(f, "implant_id"));
    CHECK(test::burned_in(f, "Patient's"));
    // The outline: pure-ish green or orange pixels exist.
    std::size_t coloured = 0;
    const auto& px = f.illustration->image.pixels;
    for (std::size_t i = 0; i + 2 < px.size(); i += 3) coloured += (px[i + 1] > 150 && px[i + 2] < 40 && px[i] < 40) || (px[i] > 200 && px[i + 2] < 40 && px[i + 1] > 120 && px[i + 1] < 200);
    CHECK(coloured > 100);
    break;
  }
}
