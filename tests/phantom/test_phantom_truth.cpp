// Truth consistency of the phantoms and visible skeletal maturity of the hands.
#include "osteon/phantom/implant_catalogue.hpp"
#include "osteon/phantom/phantom.hpp"

#include <catch2/catch.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <set>

using namespace osteon::phantom;

namespace {

const cv::Mat1b& mask(const Phantom& p, const std::string& name) {
  for (const auto& m : p.masks)
    if (m.name == name) return m.mask;
  FAIL("no mask " << name);
  static cv::Mat1b none;
  return none;
}

cv::Point2d point(const nlohmann::json& j) { return {j.at(0).get<double>(), j.at(1).get<double>()}; }

// Whether the mask is set within r pixels of the point.
bool near(const cv::Mat1b& m, cv::Point2d q, int r) {
  const cv::Rect around(cv::Point(static_cast<int>(std::lround(q.x)) - r, static_cast<int>(std::lround(q.y)) - r),
                        cv::Size(2 * r + 1, 2 * r + 1));
  return cv::countNonZero(m(around & cv::Rect(0, 0, m.cols, m.rows))) > 0;
}

bool inside(const Phantom& p, cv::Point2d q) {
  return q.x >= 0 && q.y >= 0 && q.x < p.image.cols && q.y < p.image.rows;
}

// Age in whole years from the DICOM dates, as the Patient's Age should state it.
int years_between(const std::string& birth, const std::string& study) {
  const int by = std::stoi(birth.substr(0, 4)), bmd = std::stoi(birth.substr(4, 4));
  const int sy = std::stoi(study.substr(0, 4)), smd = std::stoi(study.substr(4, 4));
  return sy - by - (smd < bmd ? 1 : 0);
}

Options options(Kind kind, unsigned rows) {
  Options o;
  o.kind = kind;
  o.seed = 21;
  o.geometry.rows = rows;
  return o;
}

}  // namespace

TEST_CASE("hand truth: ages in range and consistent with the DICOM dates, mask matches the box", "[truth]") {
  const Options o = options(Kind::hand, 320);
  for (std::uint64_t i = 0; i < 30; ++i) {
    const Phantom p = generate_phantom(o, nullptr, i);
    const auto& t = p.truth;
    CAPTURE(i, t.dump());
    const double ba = t.at("bone_age_months"), ca = t.at("chronological_age_months");
    CHECK(ba >= 0.0);
    CHECK(ba <= 228.0);
    CHECK(ca >= 0.0);
    CHECK(ca <= 240.5);
    CHECK(std::abs(ba - ca) < 80.0);
    CHECK((t.at("sex") == "F" || t.at("sex") == "M"));
    if (t.at("sex") == "F") CHECK(ba <= 216.0);
    const std::string age = p.attrs.patient_age;
    REQUIRE(age.size() == 4);
    const int years = years_between(p.attrs.patient_birth_date, p.attrs.study_date);
    if (age.back() == 'Y') CHECK(std::stoi(age.substr(0, 3)) == years);
    CHECK(std::abs(years * 12.0 - ca) <= 12.5);
    const cv::Rect box = cv::boundingRect(mask(p, "hand"));
    const auto b = t.at("hand_bbox");
    CHECK(box == cv::Rect(b.at(0), b.at(1), b.at(2), b.at(3)));
    CHECK(box.area() > 0);
    const int ossified = t.at("ossified_carpals");
    CHECK(ossified >= 0);
    CHECK(ossified <= 8);
  }
}

TEST_CASE("skull truth: nasion and tip inside, the fracture point lies on the nasal bone", "[truth]") {
  const Options o = options(Kind::skull, 512);
  int fractures = 0;
  for (std::uint64_t i = 0; i < 30; ++i) {
    const Phantom p = generate_phantom(o, nullptr, i);
    const auto& t = p.truth;
    CAPTURE(i, t.dump());
    const cv::Point2d nasion = point(t.at("nasion")), tip = point(t.at("tip"));
    CHECK(inside(p, nasion));
    CHECK(inside(p, tip));
    const cv::Mat1b& nasal = mask(p, "nasal");
    const cv::Mat1b& fracture = mask(p, "fracture");
    CHECK(near(nasal, nasion, 1));
    const double length_px = t.at("nasal_length_mm").get<double>() / p.attrs.pixel_spacing_mm;
    CHECK(cv::norm(tip - nasion) > 0.6 * length_px);
    if (!t.at("fracture").get<bool>()) {
      CHECK(t.at("fracture_point").is_null());
      CHECK(cv::countNonZero(fracture) == 0);
      continue;
    }
    ++fractures;
    const cv::Point2d f = point(t.at("fracture_point"));
    // On the bone: the nasal-bone mask is set within a pixel of the point ...
    CHECK(near(nasal, f, 1));
    // ... between nasion and tip along the bone ...
    const cv::Point2d axis = tip - nasion;
    const double along = (f - nasion).dot(axis) / axis.dot(axis);
    CHECK(along > 0.15);
    CHECK(along < 1.0);
    // ... and inside its small fracture mask.
    CHECK(near(fracture, f, 0));
    CHECK(cv::countNonZero(fracture) > 0);
    CHECK(cv::countNonZero(fracture) * 50 < fracture.rows * fracture.cols);
  }
  CHECK(fractures >= 8);
  CHECK(fractures <= 22);
}

TEST_CASE("hip truth: implant boxes inside the image and equal to the mask, designs known", "[truth]") {
  const auto catalogue = ImplantCatalogue::load(default_catalogue_path());
  const Options o = options(Kind::hip, 384);
  std::set<std::string> seen;
  int implants = 0, unknown = 0, outside = 0;
  for (std::uint64_t i = 0; i < 30; ++i) {
    const Phantom p = generate_phantom(o, &catalogue, i);
    const auto& t = p.truth;
    CAPTURE(i, t.dump());
    const cv::Mat1b& labels = mask(p, "implant");
    int sides = 0;
    REQUIRE(t.at("implants").size() == 2);
    for (const auto& e : t.at("implants")) {
      const std::string id = e.at("design_id");
      const int label = e.at("side") == "right" ? 1 : 2;
      cv::Mat1b one;
      cv::compare(labels, label, one, cv::CMP_EQ);
      if (id == "none") {
        CHECK(cv::countNonZero(one) == 0);
        continue;
      }
      ++sides, ++implants;
      seen.insert(id);
      const auto b = e.at("bbox");
      const cv::Rect box(b.at(0), b.at(1), b.at(2), b.at(3));
      CHECK(box.x >= 0);
      CHECK(box.y >= 0);
      CHECK(box.x + box.width <= static_cast<int>(p.image.cols));
      CHECK(box.y + box.height <= static_cast<int>(p.image.rows));
      CHECK(box == cv::boundingRect(one));
      CHECK(box.area() > 100);
      if (e.at("in_catalogue").get<bool>()) {
        CHECK(catalogue.find(id) != nullptr);
      } else {
        CHECK(id == "UNKNOWN");
        ++unknown;
      }
    }
    const std::string expected = sides == 2 ? "both" : sides == 0 ? "none" : "";
    if (!expected.empty()) CHECK(t.at("implant_sides") == expected);
    if (!t.at("implants_inside").get<bool>()) ++outside;
  }
  CHECK(implants >= 20);
  CHECK(seen.size() >= 4);
  CHECK(outside <= 3);
  CHECK(unknown < implants / 2);
}

TEST_CASE("hand maturity is visible: ossified carpals in the masks and E/M ratio rise with bone age", "[maturity]") {
  const Options o = options(Kind::hand, 512);
  constexpr int bins = 6;
  std::array<double, bins> carpals{}, ratio{}, count{};
  for (std::uint64_t i = 0; i < 150; ++i) {
    const Phantom p = generate_phantom(o, nullptr, i);
    const double ba = p.truth.at("bone_age_months");
    // Ossified carpals counted from the bones label mask (labels 10-17, one per carpal).
    const cv::Mat1b& bones = mask(p, "bones");
    int ossified = 0;
    for (int label = 10; label < 18; ++label) {
      cv::Mat1b one;
      cv::compare(bones, label, one, cv::CMP_EQ);
      if (cv::countNonZero(one) >= 4) ++ossified;
    }
    CHECK(ossified <= p.truth.at("ossified_carpals").get<int>());
    const auto bin = static_cast<std::size_t>(std::min(bins - 1.0, ba / (228.0 / bins)));
    carpals[bin] += ossified;
    ratio[bin] += p.truth.at("epiphysis_metaphysis_ratio_mean").get<double>();
    count[bin] += 1;
  }
  for (int b = 0; b < bins; ++b) {
    REQUIRE(count[b] > 5);
    carpals[b] /= count[b];
    ratio[b] /= count[b];
  }
  for (int b = 1; b < bins; ++b) {
    CAPTURE(b, carpals[b - 1], carpals[b], ratio[b - 1], ratio[b]);
    CHECK(carpals[b] >= carpals[b - 1]);
    CHECK(ratio[b] >= ratio[b - 1] - 0.01);
  }
  CHECK(carpals[0] < 3.0);
  CHECK(carpals[bins - 1] > 7.5);
  CHECK(ratio[bins - 1] > ratio[0] + 0.4);
}

TEST_CASE("girls show maturity earlier than boys at the same bone age", "[maturity]") {
  const Options o = options(Kind::hand, 256);
  double girls = 0, boys = 0;
  int n_girls = 0, n_boys = 0;
  for (std::uint64_t i = 0; i < 120; ++i) {
    const Phantom p = generate_phantom(o, nullptr, i);
    const double ba = p.truth.at("bone_age_months");
    if (ba < 60 || ba > 150) continue;  // where carpal counts still change
    const double carpals = p.truth.at("ossified_carpals").get<int>() - ba / 24.0;
    if (p.truth.at("sex") == "F") girls += carpals, ++n_girls;
    else boys += carpals, ++n_boys;
  }
  REQUIRE(n_girls > 5);
  REQUIRE(n_boys > 5);
  CHECK(girls / n_girls > boys / n_boys);
}
