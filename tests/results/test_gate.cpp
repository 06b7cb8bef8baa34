// The validation gate itself can fail: broken copies of our own objects are refused by
// validate-results (dciodvfy, dcentvfy, pixelmed), so the passing runs in test_sr_classes mean
// something.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmsr/dsrdoc.h>

#include <catch2/catch.hpp>

#include "skip.hpp"

#include "osteon/results/sc_writer.hpp"
#include "osteon/results/sr_writer.hpp"
#include "results_fixture.hpp"

using namespace osteon::test::results;

namespace {

template <typename Edit>
fs::path broken_copy(const fs::path& from, const fs::path& to, Edit edit) {
  DcmFileFormat ff;
  REQUIRE(ff.loadFile(from.c_str()).good());
  edit(*ff.getDataset());
  REQUIRE(ff.saveFile(to.c_str(), EXS_LittleEndianExplicit).good());
  return to;
}

} // namespace

TEST_CASE("validate-results refuses broken copies of our SC and SR", "[gate]") {
  if (!validator()) {
    OSTEON_SKIP("../shared is absent: validate-results not run");
    return;
  }
  osteon::test::TempDir dir("osteon-results");
  const Sources src = write_sources(dir.path());
  auto ctx = make_context(src.hip, r::SrDocumentClass::comprehensive3d, "HipImplantNet");
  const auto sc = r::write_sc(ctx, r::AnalysisKind::implant_id, make_overlay(src.hip), dir.path() / "sc.dcm");
  r::ImplantSide right;
  right.side = r::Laterality::right;
  right.candidates = {{"Phantom Ortho", "Stem A", 0.9}};
  const auto sr = r::write_sr(ctx, r::ImplantFinding{{right}}, dir.path() / "sr.dcm", sc);

  SECTION("the originals pass") {
    const auto ok = validate(src.hip, {sr.file, sc.file});
    INFO(ok.output);
    CHECK(ok.exit_code == 0);
  }
  SECTION("an SC without Conversion Type fails dciodvfy") {
    const auto bad = broken_copy(sc.file, dir.path() / "no_conversion.dcm",
                                 [](DcmDataset& ds) { ds.findAndDeleteElement(DCM_ConversionType); });
    const auto result = validate(src.hip, {bad});
    INFO(result.output);
    CHECK(result.exit_code != 0);
    CHECK(result.output.find("FAIL dciodvfy") != std::string::npos);
  }
  SECTION("an SC filed under another patient fails dcentvfy") {
    const auto bad = broken_copy(sc.file, dir.path() / "other_patient.dcm",
                                 [](DcmDataset& ds) { ds.putAndInsertString(DCM_PatientID, "SOMEONE-ELSE"); });
    const auto result = validate(src.hip, {bad});
    INFO(result.output);
    CHECK(result.exit_code != 0);
    CHECK(result.output.find("FAIL dcentvfy") != std::string::npos);
  }
  SECTION("an SR with DCMTK's own hip Target Region (24136001) fails pixelmed") {
    const auto bad = broken_copy(sr.file, dir.path() / "hip_target.dcm", [](DcmDataset& ds) {
      DSRDocument doc;
      REQUIRE(doc.read(ds).good());
      DSRDocumentTree& tree = doc.getTree();
      REQUIRE(tree.gotoNamedNode(DSRCodedEntryValue("123014", "DCM", "Target Region")) != 0);
      REQUIRE(tree.getCurrentContentItem().setCodeValue(DSRCodedEntryValue("24136001", "SCT", "Hip Joint")).good());
      ds.clear();
      REQUIRE(doc.write(ds).good());
    });
    const auto result = validate(src.hip, {bad});
    INFO(result.output);
    CHECK(result.exit_code != 0);
    CHECK(result.output.find("FAIL pixelmed") != std::string::npos);
  }
}
