// The DICOM seam: DicomFile's guarded load, its getters, the one condition translation and the
// one atomic save (dcmtk_bridge.hpp).
#include <catch2/catch.hpp>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcerror.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <fstream>

#include <osteon/synth/dx_writer.hpp>

#include "osteon/core/error.hpp"
#include "osteon/dicom/dcmtk_bridge.hpp"
#include "osteon/dicom/dicom_file.hpp"
#include "process.hpp"

namespace fs = std::filesystem;
using namespace osteon;

namespace {
fs::path write_sample(const fs::path& dir) {
  synth::DxAttributes a;
  a.patient_id = "PID-3";
  a.body_part = "HAND";
  const auto file = dir / "dx.dcm";
  synth::write_dx(file, a, synth::make_test_pattern(32, 24, 12, 1), synth::Encoding::explicit_le);
  return file;
}
} // namespace

TEST_CASE("DicomFile loads whole files and headers, and refuses what is not DICOM", "[dicom_file]") {
  test::TempDir dir;
  const auto file = write_sample(dir.path());
  const auto before = dicom::DicomFile::loads();
  const auto whole = dicom::DicomFile::load(file);
  const auto header = dicom::DicomFile::load_header(file);
  CHECK(dicom::DicomFile::loads() - before == 2);
  CHECK(whole.string(0x0010, 0x0020) == "PID-3");
  CHECK(header.string(0x0018, 0x0015) == "HAND");
  CHECK(header.string(0x0008, 0x0080).empty());  // absent
  CHECK(whole.transfer_syntax() == "1.2.840.10008.1.2.1");

  const auto junk = dir.path() / "junk.dcm";
  std::ofstream(junk) << "not DICOM at all";
  for (const auto& load : {&dicom::DicomFile::load, &dicom::DicomFile::load_header}) {
    try {
      (void)load(junk);
      FAIL("junk was accepted");
    } catch (const Error& e) {
      CHECK(e.code() == Errc::dicom_unparseable);
      CHECK_THAT(e.what(), Catch::StartsWith("not a readable DICOM file: "));
    }
    try {
      (void)load(dir.path() / "absent.dcm");
      FAIL("a missing file was accepted");
    } catch (const Error& e) {
      CHECK(e.code() == Errc::not_found);
    }
  }
}

TEST_CASE("a DCMTK condition becomes one osteon::Error with the code asked for", "[dicom_file]") {
  CHECK_NOTHROW(dicom::check(EC_Normal, Errc::internal, "fine"));
  try {
    dicom::check(EC_TagNotFound, Errc::dicom_missing_uid, "SOP Instance UID");
    FAIL("a bad condition passed");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::dicom_missing_uid);
    CHECK(std::string(e.what()) == std::string("SOP Instance UID: ") + OFCondition(EC_TagNotFound).text());
  }
}

TEST_CASE("dicom::save writes whole files or nothing", "[dicom_file]") {
  test::TempDir dir;
  const auto source = dicom::DicomFile::load(write_sample(dir.path()));
  const auto out = dir.path() / "a" / "b" / "copy.dcm";  // parents are created
  dicom::save(source.dcmtk(), out);
  CHECK(dicom::DicomFile::load(out).string(0x0010, 0x0020) == "PID-3");
  CHECK_FALSE(fs::exists(fs::path(out.string() + ".part")));

  // A directory where the file should go: nothing is left behind, and the error says where.
  const auto blocked = dir.path() / "blocked.dcm";
  fs::create_directories(blocked / "x");
  try {
    dicom::save(source.dcmtk(), blocked);
    FAIL("saved over a directory");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::io_error);
    CHECK_THAT(e.what(), Catch::Contains(blocked.string()));
  }
  CHECK_FALSE(fs::exists(fs::path(blocked.string() + ".part")));
  CHECK(fs::is_directory(blocked / "x"));
}
