// osteon-decode: writes what the node sees as a PNG, and says clearly what it cannot decode.
#include <catch2/catch.hpp>

#include "skip.hpp"

#include <fstream>

#include <osteon/synth/dx_writer.hpp>

#include <dcmtk/dcmdata/dctk.h>

#include "imaging_support.hpp"
#include "process.hpp"

using namespace osteon;
using namespace osteon::test::imaging;

namespace {

const std::string tool = OSTEON_DECODE_TOOL;

std::pair<std::uint32_t, std::uint32_t> png_size(const fs::path& png) {
  const std::string b = test::read_file(png);
  REQUIRE(b.size() > 24);
  REQUIRE(b.substr(1, 3) == "PNG");
  const auto be32 = [&](std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at]) << 24 | static_cast<unsigned char>(b[at + 1]) << 16 |
                                      static_cast<unsigned char>(b[at + 2]) << 8 | static_cast<unsigned char>(b[at + 3]));
  };
  return {be32(16), be32(20)};
}

} // namespace

TEST_CASE("osteon-decode writes an 8-bit PNG of the decoded image and describes it", "[cli]") {
  test::TempDir dir;
  const auto dcm = dir.path() / "dx.dcm", png = dir.path() / "dx.png";
  synth::write_dx(dcm, {}, synth::make_test_pattern(50, 70, 12, 2), synth::Encoding::jpeg_ls_lossless);
  auto r = test::run({tool, "--info", dcm.string(), png.string()});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(png_size(png) == std::make_pair(70u, 50u));  // width, height
  CHECK_THAT(r.output, Catch::Contains("\"rows\": 50") && Catch::Contains("1.2.840.10008.1.2.4.80"));
  const std::string shown = test::read_file(png);
  r = test::run({tool, "--window", "100", "50", dcm.string(), png.string()});
  REQUIRE(r.exit_code == 0);
  CHECK(test::read_file(png) != shown);
}

TEST_CASE("osteon-decode explains what it cannot decode and exits non-zero", "[cli]") {
  test::TempDir dir;
  const auto junk = dir.path() / "junk.dcm", png = dir.path() / "out.png";
  std::ofstream(junk) << "this is not DICOM";
  auto r = test::run({tool, junk.string(), png.string()});
  CHECK(r.exit_code == 9);
  CHECK_THAT(r.output, Catch::Contains("not a readable DICOM file") && Catch::Contains("junk.dcm"));
  CHECK_FALSE(fs::exists(png));

  const auto header = dir.path() / "header.dcm";
  write_native(header, NativeSpec{}, [](DcmDataset&) {});
  edit_dataset(header, [](DcmDataset& ds) { ds.findAndDeleteElement(DCM_PixelData); });
  r = test::run({tool, header.string(), png.string()});
  CHECK(r.exit_code == 4);
  CHECK_THAT(r.output, Catch::Contains("no Pixel Data"));

  const auto ok = dir.path() / "ok.dcm";
  synth::write_dx(ok, {}, synth::make_test_pattern(16, 16, 12, 1));
  r = test::run({tool, "--frame", "2", ok.string(), png.string()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Catch::Contains("frame 2 asked, the object has 1"));
  r = test::run({tool, "--max-pixels", "100", ok.string(), png.string()});
  CHECK(r.exit_code == 6);
}

TEST_CASE("osteon-decode --help explains the options", "[cli]") {
  const auto r = test::run({tool, "--help"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("--frame") && Catch::Contains("--window") && Catch::Contains("MONOCHROME1"));
}

TEST_CASE("osteon-decode renders a real MONOCHROME1 CR", "[cli]") {
  const auto corpus = test::shared_corpus("dicom-real");
  if (!corpus) {
    OSTEON_SKIP("../shared/corpus/dicom-real is absent");
    return;
  }
  test::TempDir dir;
  const auto png = dir.path() / "cr.png";
  const auto r = test::run({tool, (*corpus / "fodicom__CR-MONO1-10-chest.dcm").string(), png.string()});
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(png_size(png) == std::make_pair(440u, 440u));
}
