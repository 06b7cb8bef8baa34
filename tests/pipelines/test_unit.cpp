// Pipeline pieces that need no model: patient ages, the catalogue, model availability.
#include <fstream>

#include <catch2/catch.hpp>
#include <catch2/catch.hpp>

#include "osteon/core/error.hpp"
#include "osteon/pipelines/bone_age.hpp"
#include "osteon/pipelines/factory.hpp"
#include "osteon/pipelines/implant_id.hpp"
#include "osteon/pipelines/patient.hpp"
#include "pipeline_fixture.hpp"

using namespace osteon;


TEST_CASE("chronological age comes from birth and study dates, else from Patient's Age", "[unit]") {
  pipelines::PatientInfo p;
  p.birth_date = "20150301";
  p.study_date = "20250301";
  auto age = pipelines::chronological_age(p);
  REQUIRE(age);
  CHECK(age->months == Approx(3653.0 / (365.2425 / 12.0)).epsilon(1e-9));
  CHECK(age->source.find("Birth Date") != std::string::npos);

  p.study_date.clear();
  p.age = "007Y";
  age = pipelines::chronological_age(p);
  REQUIRE(age);
  CHECK(age->months == Approx(84.0));
  CHECK(age->source.find("Patient's Age") != std::string::npos);

  p.age = "018M";
  CHECK(pipelines::chronological_age(p)->months == Approx(18.0));
  p.age.clear();
  CHECK_FALSE(pipelines::chronological_age(p));
  p.study_date = "20100101";  // before birth
  CHECK_FALSE(pipelines::chronological_age(p));
}

TEST_CASE("the implant catalogue names the eight fictional designs", "[unit]") {
  const auto designs = pipelines::load_implant_catalogue(eval::default_models_dir() / "implant_catalogue.json");
  REQUIRE(designs.size() == 8);
  CHECK(designs[0].id == "KST-TW130");
  CHECK(designs[0].manufacturer.find("fictional") != std::string::npos);
  CHECK_THROWS_AS(pipelines::load_implant_catalogue("/nonexistent/catalogue.json"), Error);
}

TEST_CASE("a pipeline without its models says which are missing and asks to retry", "[unit]") {
  inference::Registry empty;
  empty.add_unavailable("hand_seg", "sha256 mismatch");
  auto scheduler = std::make_shared<inference::Scheduler>();
  auto all = pipelines::make_pipelines(scheduler, empty, "/nonexistent");
  REQUIRE(all.size() == 3);
  const auto why = all.at("bone_age")->unavailable_reason();
  REQUIRE(why);
  CHECK(why->find("hand_seg") != std::string::npos);
  CHECK(why->find("sha256 mismatch") != std::string::npos);
  CHECK(why->find("bone_age") != std::string::npos);
  CHECK(all.at("implant_id")->unavailable_reason());
  pipelines::JobInput in;
  in.file = "/nonexistent.dcm";
  const auto f = all.at("nasal_fracture")->run(in);
  CHECK(f.outcome == pipelines::Outcome::retry);
  CHECK(f.summary.find("nasal_localiser") != std::string::npos);
}

TEST_CASE("model card numbers are read from the metrics table", "[unit]") {
  const auto dir = test::scratch("card");
  {
    std::ofstream card(dir / "MODEL_CARD.md");
    card << "## Metrics\n\n| metric | value | target |\n|---|---|---|\n"
         << "| MAE with truth masks (250 images) | 4.25 months | <= 6 |\n"
         << "| mean landmark error (250 images x 2 points) | 1.10 % | <= 3 % |\n";
  }
  CHECK(*eval::card_number(dir / "MODEL_CARD.md", "MAE with truth masks") == Approx(4.25));
  CHECK(*eval::card_number(dir / "MODEL_CARD.md", "mean landmark error") == Approx(1.10));
  CHECK_FALSE(eval::card_number(dir / "MODEL_CARD.md", "ROC AUC"));
}
