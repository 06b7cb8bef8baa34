#include <catch2/catch.hpp>

#include <fstream>
#include <set>

#include "osteon/core/error.hpp"
#include "osteon/routing/router.hpp"
#include "process.hpp"

using namespace osteon;
using namespace osteon::routing;

namespace {

RoutingInput image(const std::string& body_part, const std::string& view = "", const std::string& modality = "DX") {
  RoutingInput in;
  in.attributes.modality = modality;
  in.attributes.sop_class_uid = "1.2.840.10008.5.1.4.1.1.1.1";
  in.attributes.body_part = body_part;
  in.attributes.view_position = view;
  in.calling_ae = "CR1";
  in.called_ae = "OSTEON";
  return in;
}

std::string routed(const Router& r, const RoutingInput& in) {
  const auto d = r.route(in);
  return d.profile ? d.profile->pipeline : "none";
}

std::string error_of(const std::string& text) {
  try {
    parse_profile(text, "p.toml");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

const char* minimal = "[profile]\nid = \"x\"\npipeline = \"bone_age\"\n[match]\nbody_part = [\"HAND\"]\n";

} // namespace

TEST_CASE("the built-in profiles route every body-part synonym to its pipeline", "[routing]") {
  const Router r(builtin_profiles());
  REQUIRE(r.profiles()->size() == 3);
  for (const char* b : {"HAND", "L HAND", "l_hand", "hand", " Hand ", "MANO", "LEFT HAND", "BONE AGE"}) {
    INFO(b);
    CHECK(routed(r, image(b, "PA")) == "bone_age");
  }
  for (const char* b : {"SKULL", "NASAL BONES", "nasal_bones", "FACE", "HEAD", "face"}) {
    INFO(b);
    CHECK(routed(r, image(b, "LL")) == "nasal_fracture");
  }
  for (const char* b : {"HIP", "PELVIS", "HIP JOINT", "hip_joint", "Pelvis", "CADERA"}) {
    INFO(b);
    CHECK(routed(r, image(b, "AP")) == "implant_id");
  }
}

TEST_CASE("an empty Body Part Examined is routed by the descriptions", "[routing]") {
  const Router r(builtin_profiles());
  auto in = image("", "PA");
  in.attributes.study_description = "XR HAND PA LEFT";
  CHECK(routed(r, in) == "bone_age");
  in = image("");
  in.attributes.series_description = "Nasal bones lateral";
  CHECK(routed(r, in) == "nasal_fracture");
  in = image("");
  in.attributes.protocol_name = "PELVIS AP";
  const auto d = r.route(in);
  REQUIRE(d.profile);
  CHECK(d.profile->pipeline == "implant_id");
  CHECK_THAT(d.summary(), Catch::Contains("protocol name 'PELVIS AP' matches"));
}

TEST_CASE("images no profile takes are not routed, and the reason names each profile", "[routing]") {
  const Router r(builtin_profiles());
  auto chest = image("CHEST", "PA");
  auto d = r.route(chest);
  CHECK(d.profile == nullptr);
  CHECK_THAT(d.summary(), Catch::StartsWith("no profile matched") && Catch::Contains("hand-bone-age") &&
                              Catch::Contains("CHEST"));
  CHECK(routed(r, image("HAND", "PA", "CT")) == "none");   // modality
  CHECK(routed(r, image("HAND", "LL")) == "none");         // view position
  CHECK(routed(r, image("")) == "none");                   // nothing to go on
  auto wrong_class = image("HAND", "PA");
  wrong_class.attributes.sop_class_uid = "1.2.840.10008.5.1.4.1.1.7";  // secondary capture
  CHECK(routed(r, wrong_class) == "none");
  // A description does not override a body part that says otherwise.
  auto hip_described_as_hand = image("HIP", "PA");
  hip_described_as_hand.attributes.study_description = "HAND";
  CHECK(routed(r, hip_described_as_hand) == "implant_id");
}

TEST_CASE("an empty view position or laterality does not block routing", "[routing]") {
  const Router r(builtin_profiles());
  CHECK(routed(r, image("HAND", "")) == "bone_age");
  auto in = image("HAND", "PA");
  in.attributes.laterality = "";
  CHECK(routed(r, in) == "bone_age");
  in.attributes.laterality = "B";
  CHECK(routed(r, in) == "none");
}

TEST_CASE("AE title rules and priority decide between overlapping profiles", "[routing]") {
  auto general = parse_profile(minimal, "a.toml");
  auto special = parse_profile(
      "[profile]\nid = \"y\"\npipeline = \"bone_age\"\npriority = 10\n[match]\nbody_part = [\"HAND\"]\n"
      "calling_ae = [\"PEDS_CR\"]\n",
      "b.toml");
  const Router r({general, special});
  auto in = image("HAND");
  CHECK(r.route(in).profile->id == "x");
  in.calling_ae = "PEDS_CR";
  CHECK(r.route(in).profile->id == "y");
}

TEST_CASE("profile errors name the file and the line", "[routing]") {
  CHECK_THAT(error_of(std::string(minimal) + "colour = [\"red\"]\n"), Catch::Contains("p.toml:6") && Catch::Contains("colour"));
  CHECK_THAT(error_of("[profile]\nid = \"x\"\npipeline = \"bone_density\"\n[match]\nbody_part = [\"HAND\"]\n"),
             Catch::Contains("p.toml:3") && Catch::Contains("unknown pipeline"));
  CHECK_THAT(error_of("[profile]\nid = \"x\"\npipeline = \"bone_age\"\n[match]\ndescription = [\"(unclosed\"]\n"),
             Catch::Contains("p.toml:5") && Catch::Contains("bad pattern"));
  CHECK_THAT(error_of("[profile]\nid = \"x\"\npipeline = \"bone_age\"\n[match]\nmodality = [\"DX\"]\n"),
             Catch::Contains("body_part synonyms or description"));
  CHECK_THAT(error_of(std::string(minimal) + "[results]\nsr_class = \"basic\"\n"), Catch::Contains("sr_class"));
  CHECK_THAT(error_of(std::string(minimal) + "[results]\nobjects = [\"sr\", \"pdf\"]\n"),
             Catch::Contains("p.toml:7") && Catch::Contains("unknown result object 'pdf'"));
  CHECK_THAT(error_of(std::string(minimal) + "[results]\nobjects = []\n"), Catch::Contains("at least one of sr, sc, gsps"));
  CHECK_THAT(error_of(std::string(minimal) + "[results]\ndestinations = [\"pacs\"]\n[results.objects_for]\nviewer = [\"sr\"]\n"),
             Catch::Contains("p.toml:9") && Catch::Contains("'viewer', which is not one of this profile's destinations"));
  CHECK_THAT(error_of("[profile\n"), Catch::Contains("p.toml") && Catch::Contains("syntax error"));
  // Values of the wrong kind are configuration errors with their line, like every other.
  CHECK_THAT(error_of(std::string(minimal) + "[results]\nsr_class = 3\n"),
             Catch::Contains("p.toml:7") && Catch::Contains("'sr_class' has the wrong type"));
  CHECK_THAT(error_of("parameters = 3\n" + std::string(minimal)),
             Catch::Contains("p.toml:1") && Catch::Contains("[parameters] must be a table"));
  CHECK_THAT(error_of("[profile]\nid = 7\npipeline = \"bone_age\"\n[match]\nbody_part = [\"HAND\"]\n"),
             Catch::Contains("id, pipeline and description are strings"));
  CHECK_THAT(error_of("[profile]\nid = \"x\"\npipeline = \"bone_age\"\n[match]\nbody_part = [1]\n"),
             Catch::Contains("p.toml:5") && Catch::Contains("'body_part' must contain strings"));
}

TEST_CASE("a profile directory is loaded in name order and duplicate ids are refused", "[routing]") {
  test::TempDir dir;
  std::ofstream(dir.path() / "1.toml") << minimal;
  std::ofstream(dir.path() / "ignored.txt") << "not a profile";
  CHECK(load_profiles(dir.path()).size() == 1);
  std::ofstream(dir.path() / "2.toml") << minimal;
  CHECK_THROWS_WITH(load_profiles(dir.path()), Catch::Contains("used twice"));
  CHECK_THROWS_WITH(load_profiles(dir.path() / "absent"), Catch::Contains("not found"));
}

TEST_CASE("profile parameters are readable with defaults", "[routing]") {
  const auto profiles = builtin_profiles();
  const auto nasal = std::find_if(profiles.begin(), profiles.end(), [](const auto& p) { return p.pipeline == "nasal_fracture"; });
  REQUIRE(nasal != profiles.end());
  CHECK(nasal->number("definite_threshold", 0) > nasal->number("suspicious_threshold", 1));
  CHECK(nasal->number("absent", 42.0) == 42.0);
  CHECK(nasal->destinations == std::vector<std::string>{"sender"});
}

TEST_CASE("a profile may keep its images and results for its own time", "[routing]") {
  const auto p = parse_profile(std::string(minimal) + "[retention]\nkeep_after_done = \"2d\"\nkeep_results = \"6h\"\n", "p.toml");
  CHECK(p.keep_after_done == std::chrono::hours(48));
  CHECK(p.keep_results == std::chrono::hours(6));
  CHECK_FALSE(parse_profile(minimal, "p.toml").keep_after_done);
  CHECK_THAT(error_of(std::string(minimal) + "[retention]\nkeep_results = \"soon\"\n"),
             Catch::Contains("p.toml:7") && Catch::Contains("retention.keep_results"));
  CHECK_THAT(error_of(std::string(minimal) + "[retention]\nkeep_unrouted = \"1d\"\n"), Catch::Contains("unknown key"));
}

TEST_CASE("a profile chooses which result objects each destination gets; all three by default", "[routing]") {
  const auto all = parse_profile(std::string(minimal) + "[results]\ndestinations = [\"pacs\", \"viewer\"]\n", "p.toml");
  CHECK(all.objects_to("pacs") == std::vector<std::string>{"sr", "sc", "gsps"});
  const auto chosen = parse_profile(std::string(minimal) +
                                        "[results]\ndestinations = [\"pacs\", \"viewer\"]\nobjects = [\"sr\", \"sc\"]\n"
                                        "[results.objects_for]\nviewer = [\"gsps\"]\n",
                                    "p.toml");
  CHECK(chosen.objects_to("pacs") == std::vector<std::string>{"sr", "sc"});
  CHECK(chosen.objects_to("viewer") == std::vector<std::string>{"gsps"});
}

TEST_CASE("local profiles replace, turn off or add to the shipped ones by file name", "[routing]") {
  test::TempDir dir;
  const auto shipped = dir.path() / "shipped";
  const auto local = dir.path() / "local";
  std::filesystem::create_directories(shipped);
  const auto profile = [](const std::string& id, const std::string& body_part) {
    return "[profile]\nid = \"" + id + "\"\npipeline = \"bone_age\"\n[match]\nmodality = [\"DX\"]\nbody_part = [\"" + body_part + "\"]\n";
  };
  std::ofstream(shipped / "10-hand.toml") << profile("hand", "HAND");
  std::ofstream(shipped / "20-skull.toml") << profile("skull", "SKULL");
  std::ofstream(shipped / "30-hip.toml") << profile("hip", "HIP");
  RoutingConfig config{shipped, local};
  const auto ids = [&] {
    std::set<std::string> out;
    for (const auto& p : load_configured(config)) out.insert(p.id);
    return out;
  };
  CHECK(ids() == std::set<std::string>{"hand", "skull", "hip"});  // no override directory: none

  std::filesystem::create_directories(local);
  std::ofstream(local / "10-hand.toml") << profile("hand-local", "HAND");
  std::ofstream(local / "20-skull.toml") << "\n";
  std::ofstream(local / "40-knee.toml") << profile("knee", "KNEE");
  std::ofstream(local / "README") << "not a profile";
  CHECK(ids() == std::set<std::string>{"hand-local", "hip", "knee"});
  for (const auto& p : load_configured(config))
    if (p.id == "hand-local") CHECK(p.source == (local / "10-hand.toml").string());

  // Over the built-in profiles (profiles_dir empty).
  config.profiles_dir.clear();
  std::filesystem::remove(local / "20-skull.toml");
  std::ofstream(local / "10-hand-bone-age.toml") << "";
  CHECK(ids() == std::set<std::string>{"hand-local", "skull-nasal-fracture", "hip-implant", "knee"});

  // An override path that is a file: an error naming the key.
  config.override_dir = local / "README";
  CHECK_THROWS_WITH(load_configured(config), Catch::Contains("routing.override_dir"));
}

TEST_CASE("a router's profiles are replaced whole; a decision keeps the set it was made on", "[routing]") {
  Router r(builtin_profiles());
  const auto before = r.route(image("HAND", "PA"));
  REQUIRE(before.profile);
  auto only_hip = builtin_profiles();
  std::erase_if(only_hip, [](const Profile& p) { return p.id != "hip-implant"; });
  r.replace(only_hip);
  CHECK(r.profiles()->size() == 1);
  CHECK(before.profile->id == "hand-bone-age");  // still valid: the decision holds its snapshot
  CHECK(!r.route(image("HAND", "PA")).profile);
}

TEST_CASE("description patterns with long numbers or of great length are refused before std::regex sees them", "[routing]") {
  // libstdc++'s regex compiler overflowed on \66666666666 (fuzz/regressions/profile).
  const auto profile = [](const std::string& pattern) {
    return "[profile]\nid = \"p\"\npipeline = \"bone_age\"\n[match]\ndescription = ['" + pattern + "']\n";
  };
  CHECK_THROWS_WITH(parse_profile(profile("\\bfac(e|ial)\\66666666666666666666b"), "p.toml"),
                    Catch::Contains("p.toml:5") && Catch::Contains("a number longer than 4 digits"));
  CHECK_THROWS_WITH(parse_profile(profile("a{1,99999}"), "p.toml"), Catch::Contains("a number longer than 4 digits"));
  CHECK_THROWS_WITH(parse_profile(profile(std::string(300, 'a')), "p.toml"), Catch::Contains("longer than 256 characters"));
  CHECK(parse_profile(profile("\\bhand\\b|x{1,12}"), "p.toml").match.description.size() == 1);
}
