// The bone age pipeline on hand phantoms with truth (and on images it must refuse).
#include <cmath>
#include <variant>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pipeline_fixture.hpp"

using namespace osteon;
using pipelines::Outcome;
using nlohmann::json;

namespace {

const std::vector<eval::Sample>& hands() {
  static const auto samples = eval::make_phantoms(phantom::Kind::hand, 10, 7001, test::scratch("hands"));
  return samples;
}

const std::vector<std::pair<eval::Sample, pipelines::Finding>>& hand_findings() {
  static const auto findings = [] {
    std::vector<std::pair<eval::Sample, pipelines::Finding>> out;
    for (const auto& s : hands()) out.emplace_back(s, test::runtime().run("bone_age", s.file));
    return out;
  }();
  return findings;
}

std::string reason_of(const pipelines::Finding& f) {
  if (f.result && std::holds_alternative<results::NotAnalysable>(*f.result)) return std::get<results::NotAnalysable>(*f.result).reason;
  return {};
}

} // namespace

TEST_CASE("bone age of held-out hand phantoms is within twice the model card's MAE on average", "[bone_age]") {
  test::require_models("bone_age");
  const auto card = eval::card_number(test::runtime().models_dir / "bone_age" / "MODEL_CARD.md", "MAE, whole chain");
  const double card_mae = card.value_or(6.0);
  double sum = 0;
  int done = 0;
  for (const auto& [s, f] : hand_findings()) {
    INFO(s.file.filename().string() << ": " << f.summary);
    if (f.outcome != Outcome::done) continue;
    ++done;
    REQUIRE(f.result);
    REQUIRE(std::holds_alternative<results::BoneAgeFinding>(*f.result));
    const auto& b = std::get<results::BoneAgeFinding>(*f.result);
    sum += std::abs(b.bone_age_months - s.truth.at("bone_age_months").get<double>());
    // Chronological age from the header's birth and study dates, as the generator computed it.
    REQUIRE(b.chronological_age_months);
    CHECK(std::abs(*b.chronological_age_months - s.truth.at("chronological_age_months").get<double>()) < 0.1);
    const json d = json::parse(f.data_json);
    CHECK(std::abs(d.at("difference_months").get<double>() - (b.bone_age_months - *b.chronological_age_months)) < 1e-6);
    CHECK(d.at("bone_age_years").get<double>() * 12.0 == d.at("bone_age_months").get<double>());
  }
  INFO("card MAE " << card_mae << " months; " << done << " of 10 analysed");
  REQUIRE(done >= 9);
  const double mae = sum / done;
  INFO("MAE " << mae << " months");
  CHECK(mae <= 2.0 * card_mae);
}

TEST_CASE("a bone age finding records its models, their hashes and every stage's time", "[bone_age]") {
  test::require_models("bone_age");
  const auto& f = hand_findings().front().second;
  REQUIRE(f.outcome == Outcome::done);
  CHECK(f.model_name == "hand_seg+bone_age");
  CHECK(f.model_version.find('+') != std::string::npos);
  CHECK(f.model_sha256.size() == 64 * 2 + 1);
  std::vector<std::string> stages;
  for (const auto& t : f.timings) stages.push_back(t.stage);
  for (const char* s : {"decode", "preprocess", "model:hand_seg", "model:bone_age", "postprocess", "render"}) {
    INFO(s);
    CHECK(std::find(stages.begin(), stages.end(), s) != stages.end());
  }
}

TEST_CASE("the bone age SC has the source's size and the burned-in disclaimer and numbers", "[bone_age]") {
  test::require_models("bone_age");
  const auto& [s, f] = hand_findings().front();
  REQUIRE(f.illustration);
  CHECK(f.illustration->image.rows == s.truth.at("rows").get<unsigned>());
  CHECK(f.illustration->image.cols == s.truth.at("cols").get<unsigned>());
  CHECK(f.illustration->image.pixels.size() == std::size_t{f.illustration->image.rows} * f.illustration->image.cols * 3);
  CHECK(test::burned_in(f, "AI result - not for primary diagnosis"));
  CHECK(test::burned_in(f, "bone_age"));
  CHECK(test::burned_in(f, "Bone age:"));
  CHECK(test::burned_in(f, "Chronological age:"));
}

TEST_CASE("a hip or skull phantom given to bone_age is not analysable", "[bone_age]") {
  test::require_models("bone_age");
  const auto hips = eval::make_phantoms(phantom::Kind::hip, 3, 7002, test::scratch("hips_for_bone_age"));
  const auto skulls = eval::make_phantoms(phantom::Kind::skull, 2, 7003, test::scratch("skulls_for_bone_age"));
  for (const auto* set : {&hips, &skulls}) {
    for (const auto& s : *set) {
      const auto f = test::runtime().run("bone_age", s.file);
      INFO(s.file.filename().string() << ": " << f.summary);
      CHECK(f.outcome == Outcome::not_analysable);
      CHECK_FALSE(reason_of(f).empty());
      CHECK_FALSE(json::parse(f.data_json).contains("bone_age_months"));
    }
  }
}

TEST_CASE("a right hand (mirrored image) is not analysable", "[bone_age]") {
  test::require_models("bone_age");
  const auto mirrored = eval::make_phantoms(phantom::Kind::hand, 4, 7001, test::scratch("mirrored"), eval::mirror);
  for (const auto& s : mirrored) {
    const auto f = test::runtime().run("bone_age", s.file);
    INFO(s.file.filename().string() << ": " << f.summary);
    CHECK(f.outcome == Outcome::not_analysable);
    CHECK(reason_of(f).find("right hand or mirrored") != std::string::npos);
  }
}

TEST_CASE("an upside-down hand is not analysable", "[bone_age]") {
  test::require_models("bone_age");
  const auto flipped = eval::make_phantoms(phantom::Kind::hand, 3, 7001, test::scratch("flipped"), eval::flip_vertical);
  for (const auto& s : flipped) {
    const auto f = test::runtime().run("bone_age", s.file);
    INFO(s.file.filename().string() << ": " << f.summary);
    CHECK(f.outcome == Outcome::not_analysable);
  }
}

TEST_CASE("a hand cut off at the image border is not analysable", "[bone_age]") {
  test::require_models("bone_age");
  // Shift the image up by 45 % of its height: the fingers leave the image at the top.
  const auto cut = eval::make_phantoms(phantom::Kind::hand, 3, 7001, test::scratch("cut"), [](phantom::Phantom& p) {
    const auto rows = p.image.rows, cols = p.image.cols, k = rows * 45 / 100;
    auto& px = p.image.pixels;
    std::copy(px.begin() + static_cast<std::ptrdiff_t>(k * cols), px.end(), px.begin());
    const std::vector<std::uint16_t> last(px.end() - static_cast<std::ptrdiff_t>(cols), px.end());
    for (auto r = rows - k; r < rows; ++r) std::copy(last.begin(), last.end(), px.begin() + static_cast<std::ptrdiff_t>(r * cols));
  });
  for (const auto& s : cut) {
    const auto f = test::runtime().run("bone_age", s.file);
    INFO(s.file.filename().string() << ": " << f.summary);
    INFO(f.data_json);
    CHECK(f.outcome == Outcome::not_analysable);
  }
}

TEST_CASE("without Patient's Sex the bone age says which default was used", "[bone_age]") {
  test::require_models("bone_age");
  const auto nosex = eval::make_phantoms(phantom::Kind::hand, 1, 7001, test::scratch("nosex"),
                                         [](phantom::Phantom& p) { p.attrs.patient_sex.clear(); });
  const auto f = test::runtime().run("bone_age", nosex[0].file);
  INFO(f.summary);
  REQUIRE(f.outcome == Outcome::done);
  CHECK(f.summary.find("Patient's Sex missing") != std::string::npos);
  CHECK(f.summary.find("default = mean of the female and male estimates") != std::string::npos);
  const json d = json::parse(f.data_json);
  CHECK(d.at("sex_default_used").get<bool>());
  const double fem = d.at("bone_age_female_months").get<double>(), male = d.at("bone_age_male_months").get<double>();
  CHECK(std::abs(d.at("bone_age_months").get<double>() - (fem + male) / 2) < 1e-6);
  CHECK(test::burned_in(f, "Sex used: unknown"));
}

TEST_CASE("a MONOCHROME1 hand gives the same bone age as its MONOCHROME2 original", "[bone_age]") {
  test::require_models("bone_age");
  const auto mono1 = eval::make_phantoms(phantom::Kind::hand, 2, 7001, test::scratch("mono1"),
                                         [](phantom::Phantom& p) { p.attrs.monochrome1 = true; });
  for (std::size_t i = 0; i < mono1.size(); ++i) {
    const auto f1 = test::runtime().run("bone_age", mono1[i].file);
    const auto& f2 = hand_findings()[i].second;
    REQUIRE(f1.outcome == f2.outcome);
    if (f1.outcome != Outcome::done) continue;
    CHECK(std::abs(std::get<results::BoneAgeFinding>(*f1.result).bone_age_months -
                   std::get<results::BoneAgeFinding>(*f2.result).bone_age_months) < 0.01);
  }
}

TEST_CASE("a job's source is parsed once: the pipeline decodes and reads the patient module from it", "[bone_age]") {
  test::require_models("bone_age");
  const auto& sample = hands().front();
  pipelines::JobInput in;
  in.file = sample.file;
  in.source = std::make_shared<const dicom::DicomFile>(dicom::DicomFile::load(sample.file));
  if (const auto* p = test::runtime().profile("bone_age")) in.parameters = {p->id, p->numbers};
  const auto loads = dicom::DicomFile::loads();
  const auto f = test::runtime().pipeline("bone_age").run(in);
  CHECK(dicom::DicomFile::loads() == loads);  // the working image, the display and the patient module
  REQUIRE(f.outcome == Outcome::done);
  // The same finding as a run that loads the file itself.
  const auto& own = hand_findings().front().second;
  CHECK(f.summary == own.summary);
  CHECK(f.data_json == own.data_json);
}
