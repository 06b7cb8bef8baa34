// The results layer without the external validators: UIDs, argument checks, character sets,
// series, laterality rules and the less common finding shapes.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <catch2/catch.hpp>

#include <set>

#include "osteon/core/error.hpp"
#include "osteon/results/bone_age_reference.hpp"
#include "osteon/results/gsps_writer.hpp"
#include "osteon/results/sc_writer.hpp"
#include "osteon/results/sr_writer.hpp"
#include "osteon/core/uid.hpp"
#include "results_fixture.hpp"

using namespace osteon::test::results;
using osteon::Errc;

namespace {

// Runs f, REQUIREs an osteon::Error with `code`.
template <typename F>
void require_error(F&& f, Errc code) {
  try {
    f();
  } catch (const osteon::Error& e) {
    INFO(e.what());
    CHECK(e.code() == code);
    return;
  }
  FAIL("no osteon::Error thrown");
}

r::ImplantSide identified(r::Laterality side) {
  r::ImplantSide s;
  s.side = side;
  s.candidates = {{"Phantom Ortho", "Stem A", 0.9}};
  return s;
}

} // namespace

TEST_CASE("New UIDs are 2.25 UUID-derived, valid and unique", "[unit]") {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    const std::string uid = osteon::make_uid();
    REQUIRE(uid.rfind("2.25.", 0) == 0);
    REQUIRE(uid.size() <= 44);
    REQUIRE(osteon::is_valid_uid(uid));
    seen.insert(uid);
  }
  CHECK(seen.size() == 2000);
  CHECK(osteon::is_valid_uid("1.2.840.10008.5.1.4.1.1.88.34"));
  CHECK(osteon::is_valid_uid("0.1"));
  CHECK_FALSE(osteon::is_valid_uid(""));
  CHECK_FALSE(osteon::is_valid_uid("1..2"));
  CHECK_FALSE(osteon::is_valid_uid("1.2."));
  CHECK_FALSE(osteon::is_valid_uid("1.02"));
  CHECK_FALSE(osteon::is_valid_uid("1.2a"));
  CHECK_FALSE(osteon::is_valid_uid(std::string(65, '1')));
}

TEST_CASE("Derived UIDs are stable for a seed, valid, and differ between seeds", "[unit]") {
  // The value is part of the node's contract: a re-run (or an upgraded node) writes the same UIDs.
  CHECK(osteon::derived_uid("osteon-device|OSTEON|/var/lib/osteon") ==
        "2.25.336126728264080575475212162972839414916");
  const auto a = osteon::derived_uid("1.2.3|bone_age|0");
  CHECK(osteon::is_valid_uid(a));
  CHECK(a == osteon::derived_uid("1.2.3|bone_age|0"));
  CHECK(a != osteon::derived_uid("1.2.3|bone_age|1"));
}

TEST_CASE("SR classes are named by word or SOP class UID", "[unit]") {
  for (auto cls : {r::SrDocumentClass::comprehensive3d, r::SrDocumentClass::comprehensive, r::SrDocumentClass::enhanced}) {
    CHECK(r::parse_sr_class(r::sr_class_name(cls)) == cls);
    CHECK(r::parse_sr_class(r::sr_sop_class_uid(cls)) == cls);
  }
  CHECK(r::sr_sop_class_uid(r::SrDocumentClass::comprehensive3d) == "1.2.840.10008.5.1.4.1.1.88.34");
  CHECK_FALSE(r::parse_sr_class("basic").has_value());
}

TEST_CASE("Impossible findings and contexts are refused and leave no file behind", "[unit]") {
  osteon::test::TempDir dir("osteon-results");
  const Sources src = write_sources(dir.path());
  const fs::path out = dir.path() / "out.dcm";
  auto ctx = make_context(src.skull, r::SrDocumentClass::comprehensive3d, "NasalFxNet");
  r::NasalFractureFinding fx;
  fx.probability = 0.5;

  SECTION("probability above 1") {
    fx.probability = 1.5;
    require_error([&] { r::write_sr(ctx, fx, out); }, Errc::invalid_argument);
  }
  SECTION("probability not a number") {
    fx.probability = std::nan("");
    require_error([&] { r::write_sr(ctx, fx, out); }, Errc::invalid_argument);
  }
  SECTION("peak outside the image") {
    fx.peak = r::PixelLocation{200, 10};  // the source has 200 columns: 0..199
    require_error([&] { r::write_sr(ctx, fx, out); }, Errc::invalid_argument);
  }
  SECTION("an outline with two points, an outline outside the image, a landmark outside it") {
    r::BoneAgeFinding ba;
    ba.bone_age_months = 100;
    ba.hand_outline = {{10, 10}, {20, 20}};
    require_error([&] { r::write_sr(ctx, ba, out); }, Errc::invalid_argument);
    require_error([&] { r::write_gsps(ctx, ba, out); }, Errc::invalid_argument);
    ba.hand_outline = {{10, 10}, {20, 20}, {10, 240}};  // 240 rows: 0..239
    require_error([&] { r::write_sr(ctx, ba, out); }, Errc::invalid_argument);
    require_error([&] { r::write_gsps(ctx, ba, out); }, Errc::invalid_argument);
    fx.tip = r::PixelLocation{-1, 10};
    require_error([&] { r::write_gsps(ctx, fx, out); }, Errc::invalid_argument);
  }
  SECTION("bone age out of range") {
    r::BoneAgeFinding ba;
    ba.bone_age_months = 400;
    require_error([&] { r::write_sr(ctx, ba, out); }, Errc::invalid_argument);
  }
  SECTION("not analysable without a reason") {
    require_error([&] { r::write_sr(ctx, r::NotAnalysable{r::AnalysisKind::nasal_fracture, ""}, out); },
                  Errc::invalid_argument);
  }
  SECTION("implant without candidates, two results for one side") {
    r::ImplantSide bare;
    bare.side = r::Laterality::left;
    require_error([&] { r::write_sr(ctx, r::ImplantFinding{{bare}}, out); }, Errc::invalid_argument);
    const auto left = identified(r::Laterality::left);
    require_error([&] { r::write_sr(ctx, r::ImplantFinding{{left, left}}, out); }, Errc::invalid_argument);
  }
  SECTION("no device observer UID") {
    ctx.device.uid.clear();
    require_error([&] { r::write_sr(ctx, fx, out); }, Errc::invalid_argument);
  }
  SECTION("no algorithm version") {
    ctx.algorithm.version.clear();
    require_error([&] { r::write_sr(ctx, fx, out); }, Errc::invalid_argument);
  }
  SECTION("series description too long") {
    ctx.sr_series.description = std::string(65, 'x');
    require_error([&] { r::write_sr(ctx, fx, out); }, Errc::invalid_argument);
  }
  SECTION("a UID generator that makes invalid UIDs") {
    ctx.new_uid = [] { return std::string("not-a-uid"); };
    require_error([&] { r::write_sr(ctx, fx, out); }, Errc::internal);
  }
  SECTION("an illustration from another study") {
    auto hand_ctx = make_context(src.hand, r::SrDocumentClass::comprehensive3d, "BoneAgeNet");
    const auto other = r::write_sc(hand_ctx, r::AnalysisKind::bone_age, make_overlay(src.hand), dir.path() / "hand_sc.dcm");
    require_error([&] { r::write_sr(ctx, fx, out, other); }, Errc::invalid_argument);
  }
  SECTION("a missing or unreadable source") {
    ctx.source_file = dir.path() / "absent.dcm";
    require_error([&] { r::write_sr(ctx, fx, out); }, Errc::not_found);
    std::ofstream(dir.path() / "junk.dcm") << "not DICOM at all";
    ctx.source_file = dir.path() / "junk.dcm";
    require_error([&] { r::write_sr(ctx, fx, out); }, Errc::dicom_unparseable);
  }
  SECTION("an SC of the wrong size, a short buffer, or without the disclaimer") {
    auto content = make_overlay(src.skull);
    auto wrong = content;
    wrong.image.rows -= 1;
    wrong.image.pixels.resize(static_cast<std::size_t>(wrong.image.rows) * wrong.image.cols * 3);
    require_error([&] { r::write_sc(ctx, r::AnalysisKind::nasal_fracture, wrong, out); }, Errc::invalid_argument);
    auto short_buffer = content;
    short_buffer.image.pixels.pop_back();
    require_error([&] { r::write_sc(ctx, r::AnalysisKind::nasal_fracture, short_buffer, out); }, Errc::invalid_argument);
    auto silent = content;
    silent.burned_in_text = {"NasalFxNet 0.3.1", "p = 0.87"};
    require_error([&] { r::write_sc(ctx, r::AnalysisKind::nasal_fracture, silent, out); }, Errc::invalid_argument);
  }
  CHECK_FALSE(fs::exists(out));
  std::filesystem::path part = out;
  part += ".part";
  CHECK_FALSE(fs::exists(part));
}

TEST_CASE("Given the job's loaded source, the writers read nothing more from disk", "[unit]") {
  osteon::test::TempDir dir("osteon-results");
  const Sources src = write_sources(dir.path());
  auto ctx = make_context(src.hand, r::SrDocumentClass::comprehensive3d, "BoneAgeNet");
  auto loaded = std::make_shared<const osteon::dicom::DicomFile>(osteon::dicom::DicomFile::load(src.hand));
  const auto overlay = make_overlay(src.hand);
  ctx.source = loaded;
  ctx.source_file = dir.path() / "moved-away.dcm";  // reading it would fail
  const auto loads = osteon::dicom::DicomFile::loads();
  r::BoneAgeFinding finding;
  finding.bone_age_months = 126;
  finding.chronological_age_months = 120;
  const auto sc = r::write_sc(ctx, r::AnalysisKind::bone_age, overlay, dir.path() / "sc.dcm");
  const auto sr = r::write_sr(ctx, finding, dir.path() / "sr.dcm", sc);
  CHECK(osteon::dicom::DicomFile::loads() == loads);
  CHECK(sr.study_instance_uid == loaded->string(0x0020, 0x000D));
  CHECK(sc.study_instance_uid == sr.study_instance_uid);
  CHECK(fs::exists(sr.file));
}

TEST_CASE("Text outside ASCII is written as UTF-8 with ISO_IR 192, plain ASCII without a character set", "[unit]") {
  osteon::test::TempDir dir("osteon-results");
  const Sources src = write_sources(dir.path());
  auto ctx = make_context(src.hip, r::SrDocumentClass::comprehensive3d, "HipImplantNet");
  auto side = identified(r::Laterality::right);
  side.candidates[0].manufacturer = "Ärzte-Implantat GmbH";
  const auto utf8 = r::write_sr(ctx, r::ImplantFinding{{side}}, dir.path() / "utf8.dcm");
  const SrView sr = read_sr(utf8.file);
  CHECK(sr.specific_character_set == "ISO_IR 192");
  const auto maker = find(sr, "121194", "DCM");
  REQUIRE(maker.size() == 1);
  CHECK(maker[0].text == "Ärzte-Implantat GmbH");

  const auto ascii = r::write_sr(ctx, r::ImplantFinding{{identified(r::Laterality::right)}}, dir.path() / "ascii.dcm");
  CHECK(read_sr(ascii.file).specific_character_set.empty());
}

TEST_CASE("Series number, description and UID follow the context; defaults per kind otherwise", "[unit]") {
  osteon::test::TempDir dir("osteon-results");
  const Sources src = write_sources(dir.path());
  auto ctx = make_context(src.hand, r::SrDocumentClass::enhanced, "BoneAgeNet");
  r::BoneAgeFinding ba;
  ba.bone_age_months = 100;

  const auto first = r::write_sr(ctx, ba, dir.path() / "a.dcm");
  const SrView a = read_sr(first.file);
  CHECK(a.series_number == "901");
  CHECK(a.series_description == "AI Bone Age SR (not for primary diagnosis)");
  const auto sc = r::write_sc(ctx, r::AnalysisKind::bone_age, make_overlay(src.hand), dir.path() / "sc.dcm");
  CHECK(attribute(sc.file, "SeriesNumber") == "911");
  CHECK(attribute(sc.file, "SeriesDescription") == "AI Bone Age Image (not for primary diagnosis)");
  CHECK(sc.series_instance_uid != first.series_instance_uid);

  ctx.sr_series.number = 7001;
  ctx.sr_series.description = "Site AI results";
  ctx.sr_series.series_uid = first.series_instance_uid;
  ctx.sr_series.instance_number = 2;
  const auto second = r::write_sr(ctx, ba, dir.path() / "b.dcm");
  const SrView b = read_sr(second.file);
  CHECK(b.series_uid == a.series_uid);
  CHECK(b.sop_instance_uid != a.sop_instance_uid);
  CHECK(b.series_number == "7001");
  CHECK(b.series_description == "Site AI results");
  CHECK(attribute(second.file, "InstanceNumber") == "2");
  CHECK(second.sop_instance_uid == b.sop_instance_uid);
  CHECK(r::read_reference(second.file).sop_instance_uid == second.sop_instance_uid);
}

TEST_CASE("Bone age without chronological age, by TW3, has no difference", "[unit]") {
  osteon::test::TempDir dir("osteon-results");
  const Sources src = write_sources(dir.path());
  auto ctx = make_context(src.hand, r::SrDocumentClass::comprehensive3d, "BoneAgeNet");
  r::BoneAgeFinding ba;
  ba.bone_age_months = 61.27;
  ba.method = r::BoneAgeMethod::tanner_whitehouse_3;
  const SrView sr = read_sr(r::write_sr(ctx, ba, dir.path() / "sr.dcm").file);
  const auto age = find(sr, "85151-9", "LN");
  REQUIRE(age.size() == 1);
  CHECK(age[0].text == "61.3");
  CHECK(find(sr, "121033", "DCM").empty());
  CHECK(find(sr, "BADIFF", "99XAI").empty());
  const auto method = find(sr, "370129005", "SCT");
  REQUIRE(method.size() == 1);
  CHECK(method[0].code_value == "TW3RUS");
}

TEST_CASE("An unknown implant design lists the candidates as alternatives only; no implant says Absent", "[unit]") {
  osteon::test::TempDir dir("osteon-results");
  const Sources src = write_sources(dir.path());
  auto ctx = make_context(src.hip, r::SrDocumentClass::comprehensive3d, "HipImplantNet");

  r::ImplantSide unsure;
  unsure.side = r::Laterality::left;
  unsure.unknown_design = true;
  unsure.candidates = {{"Phantom Ortho", "Stem A", 0.31}, {"Phantom Ortho", "Stem B", 0.29}};
  const SrView sr = read_sr(r::write_sr(ctx, r::ImplantFinding{{unsure}}, dir.path() / "unsure.dcm").file);
  CHECK(find(sr, "121194", "DCM").empty());
  CHECK(find(sr, "121195", "DCM").empty());
  const auto design = find(sr, "IMPLDSGN", "99XAI");
  REQUIRE(design.size() == 1);
  CHECK(design[0].code_value == "261665006");
  const auto alternatives = find(sr, "ALTCAND", "99XAI");
  REQUIRE(alternatives.size() == 2);
  CHECK(alternatives[0].text == "rank 1: Phantom Ortho Stem A (probability 0.31)");
  const auto probability = find(sr, "122157", "DCM");
  REQUIRE(probability.size() == 1);
  CHECK(probability[0].text == "0.31");

  const SrView none = read_sr(r::write_sr(ctx, r::ImplantFinding{}, dir.path() / "none.dcm").file);
  const auto groups = find(none, "125007", "DCM");
  REQUIRE(groups.size() == 1);
  const auto presence = find(none, "53350007", "SCT");
  REQUIRE(presence.size() == 1);
  CHECK(presence[0].code_value == "272519000");
  CHECK(find(none, "272741003", "SCT").empty());  // no laterality
  CHECK(find(none, "122157", "DCM").empty());
  CHECK(none.coding_schemes.empty());  // no private code used
}

TEST_CASE("The SC's laterality follows the source: Image Laterality, else Laterality, else empty", "[unit]") {
  osteon::test::TempDir dir("osteon-results");
  const Sources src = write_sources(dir.path());
  const auto sc_of = [&](const fs::path& source, const std::string& name) {
    auto ctx = make_context(source, r::SrDocumentClass::comprehensive3d, "AnyNet");
    return r::write_sc(ctx, r::AnalysisKind::bone_age, make_overlay(source), dir.path() / name).file;
  };
  const auto has = [](const fs::path& file, const DcmTagKey& tag) {
    DcmFileFormat ff;
    REQUIRE(ff.loadFile(file.c_str()).good());
    return ff.getDataset()->tagExists(tag);
  };
  const auto hand = sc_of(src.hand, "hand_sc.dcm");
  CHECK(attribute(hand, "ImageLaterality") == "L");
  CHECK_FALSE(has(hand, DCM_Laterality));  // with Image Laterality, dciodvfy wants none
  CHECK(attribute(hand, "BodyPartExamined") == "HAND");
  CHECK(attribute(hand, "PatientOrientation") == attribute(src.hand, "PatientOrientation"));
  const auto skull = sc_of(src.skull, "skull_sc.dcm");
  CHECK_FALSE(has(skull, DCM_Laterality));
  const auto hip = sc_of(src.hip, "hip_sc.dcm");
  CHECK_FALSE(has(hip, DCM_Laterality));
  CHECK(attribute(hip, "ImageLaterality") == "B");

  // A CR-like source with Laterality only: copied.
  {
    DcmFileFormat ff;
    REQUIRE(ff.loadFile(src.hand.c_str()).good());
    ff.getDataset()->findAndDeleteElement(DCM_ImageLaterality);
    ff.getDataset()->putAndInsertString(DCM_Laterality, "R");
    REQUIRE(ff.saveFile((dir.path() / "cr_like.dcm").c_str(), EXS_LittleEndianExplicit).good());
  }
  const auto cr_like = sc_of(dir.path() / "cr_like.dcm", "cr_like_sc.dcm");
  CHECK(attribute(cr_like, "Laterality") == "R");
  CHECK_FALSE(has(cr_like, DCM_ImageLaterality));

  // A source with neither Body Part Examined nor any laterality: empty Laterality (type 2C).
  {
    DcmFileFormat ff;
    REQUIRE(ff.loadFile(src.hand.c_str()).good());
    ff.getDataset()->findAndDeleteElement(DCM_BodyPartExamined);
    ff.getDataset()->findAndDeleteElement(DCM_ImageLaterality);
    REQUIRE(ff.saveFile((dir.path() / "bare.dcm").c_str(), EXS_LittleEndianExplicit).good());
  }
  const auto bare = sc_of(dir.path() / "bare.dcm", "bare_sc.dcm");
  CHECK(has(bare, DCM_Laterality));
  CHECK(attribute(bare, "Laterality").empty());
  CHECK(attribute(bare, "ImageComments").find("not for primary diagnosis") != std::string::npos);

  // Each variant is a valid SC (dciodvfy, dcentvfy: no JVM needed for SCs).
  if (validator()) {
    const std::pair<fs::path, fs::path> pairs[] = {{src.hand, hand}, {src.skull, skull}, {src.hip, hip},
                                                   {dir.path() / "cr_like.dcm", cr_like},
                                                   {dir.path() / "bare.dcm", bare}};
    for (const auto& [source, sc] : pairs) {
      const auto result = validate(source, {sc});
      INFO(result.output);
      CHECK(result.exit_code == 0);
      // The bare source really has no laterality: dciodvfy's note on an empty Laterality is right.
      std::string output = result.output;
      const std::string empty_note = "Warning - is only permitted to be empty when actually unknown";
      if (sc == bare && output.find(empty_note) != std::string::npos) output.erase(output.find(empty_note), empty_note.size());
      CHECK(output.find("Warning") == std::string::npos);
    }
  }
}

TEST_CASE("A source whose dates are in the old ACR-NEMA form still gets its SR (image entry without descriptors)",
          "[unit]") {
  osteon::test::TempDir dir("osteon-results");
  const Sources src = write_sources(dir.path());
  const fs::path old = dir.path() / "acr_nema_dates.dcm";
  {
    DcmFileFormat ff;
    REQUIRE(ff.loadFile(src.hip.c_str()).good());
    ff.getDataset()->putAndInsertString(DCM_AcquisitionDate, "1993.02.24");  // as fo-dicom's CR-MONO1-10-chest
    ff.getDataset()->putAndInsertString(DCM_ContentDate, "1995.07.20");
    REQUIRE(ff.saveFile(old.c_str(), EXS_LittleEndianExplicit).good());
  }
  auto ctx = make_context(old, r::SrDocumentClass::comprehensive3d, "AnyNet");
  const auto sr = r::write_sr(ctx, r::NotAnalysable{r::AnalysisKind::implant_id, "image unlike the data the model was validated on"},
                              dir.path() / "sr.dcm");
  REQUIRE(fs::exists(sr.file));
  CHECK(attribute(sr.file, "ReferencedSOPInstanceUID", true) == attribute(old, "SOPInstanceUID"));
}

TEST_CASE("Bone age SD score against the Greulich & Pyle table, both sexes, only within its ages", "[unit]") {
  using r::Sex;
  // Table values at the atlas's ages (months): boys 3 -> 0.69, 120 -> 9.79, 204 -> 13.05; girls
  // 3 -> 0.72, 60 -> 11.65, 192 -> 7.31; between them linear.
  CHECK(*r::bone_age_reference_sd(3, Sex::male) == Approx(0.69));
  CHECK(*r::bone_age_reference_sd(120, Sex::male) == Approx(9.79));
  CHECK(*r::bone_age_reference_sd(204, Sex::male) == Approx(13.05));
  CHECK(*r::bone_age_reference_sd(3, Sex::female) == Approx(0.72));
  CHECK(*r::bone_age_reference_sd(60, Sex::female) == Approx(11.65));
  CHECK(*r::bone_age_reference_sd(192, Sex::female) == Approx(7.31));
  CHECK(*r::bone_age_reference_sd(66, Sex::male) == Approx((8.79 + 9.17) / 2));
  CHECK(*r::bone_age_reference_sd(15, Sex::female) == Approx((1.77 + 3.49) / 2));
  CHECK_FALSE(r::bone_age_reference_sd(2, Sex::male));
  CHECK_FALSE(r::bone_age_reference_sd(205, Sex::male));
  CHECK_FALSE(r::bone_age_reference_sd(193, Sex::female));  // the girls' table ends at 16 years
  CHECK_FALSE(r::bone_age_reference_sd(100, Sex::unknown));

  const auto advanced = r::bone_age_sd_score(150, 120, Sex::male);  // +30 months / 9.79
  REQUIRE(advanced.sd);
  CHECK(advanced.sd->score == Approx(30 / 9.79));
  CHECK(advanced.sd->assessment() == "advanced beyond 2 SD");
  const auto delayed = r::bone_age_sd_score(36, 60, Sex::female);  // -24 / 11.65 = -2.06
  REQUIRE(delayed.sd);
  CHECK(delayed.sd->score == Approx(-24 / 11.65));
  CHECK(delayed.sd->assessment() == "delayed beyond 2 SD");
  const auto within = r::bone_age_sd_score(100, 96, Sex::female);  // +4 / 10.23
  REQUIRE(within.sd);
  CHECK(within.sd->assessment() == "within 2 SD");
  CHECK(r::bone_age_sd_score(130, 96, Sex::male).sd->score == Approx(34 / 9.10));  // boys 8 y: 9.10

  const auto no_sex = r::bone_age_sd_score(100, 96, Sex::unknown);
  CHECK_FALSE(no_sex.sd);
  CHECK(no_sex.reason.find("Sex unknown") != std::string::npos);
  const auto no_age = r::bone_age_sd_score(100, std::nullopt, Sex::male);
  CHECK_FALSE(no_age.sd);
  CHECK(no_age.reason.find("no chronological age") != std::string::npos);
  const auto adult = r::bone_age_sd_score(216, 216, Sex::male);
  CHECK_FALSE(adult.sd);
  CHECK(adult.reason == "chronological age 216.0 months is outside the reference's range for boys (3 to 204 months)");
}

TEST_CASE("Without the sex, the bone age SR says why it has no SD score", "[unit]") {
  osteon::test::TempDir dir("osteon-results");
  const Sources src = write_sources(dir.path());
  auto ctx = make_context(src.hand, r::SrDocumentClass::comprehensive3d, "BoneAgeNet");
  r::BoneAgeFinding f;
  f.bone_age_months = 120;
  f.chronological_age_months = 130;
  const auto sr = read_sr(r::write_sr(ctx, f, dir.path() / "sr.dcm").file);
  CHECK(find(sr, "BASDS", "99XAI").empty());
  const auto assessment = find(sr, "BAASSESS", "99XAI");
  REQUIRE(assessment.size() == 1);
  CHECK(assessment[0].text == "SD score not reported: Patient's Sex unknown (the reference is per sex)");
}
