// The patient attributes the pipelines read beside the indexed ones (sex, birth date, age, study
// and content date), and DICOM dates.
#include <catch2/catch.hpp>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <fstream>

#include <osteon/synth/dx_writer.hpp>

#include "osteon/core/error.hpp"
#include "osteon/dicom/patient_info.hpp"
#include "process.hpp"

namespace fs = std::filesystem;
using namespace osteon;

TEST_CASE("patient sex, birth date, age and study date are read from a DX file", "[patient]") {
  test::TempDir dir;
  synth::DxAttributes a;
  a.patient_sex = "M";
  a.patient_birth_date = "20150301";
  a.patient_age = "010Y";
  a.study_date = "20250302";
  const auto file = dir.path() / "dx.dcm";
  synth::write_dx(file, a, synth::make_test_pattern(64, 48, 12, 1));
  const auto p = dicom::read_patient_info(file);
  CHECK(p.sex == "M");
  CHECK(p.birth_date == "20150301");
  CHECK(p.age == "010Y");
  CHECK(p.study_date == "20250302");
  CHECK(p.content_date == "20250302");
}

TEST_CASE("patient values are trimmed and upper-cased, and absent ones are empty", "[patient]") {
  test::TempDir dir;
  synth::DxAttributes a;
  a.patient_birth_date = "";
  const auto file = dir.path() / "dx.dcm";
  synth::write_dx(file, a, synth::make_test_pattern(64, 48, 12, 1));
  {
    DcmFileFormat ff;
    REQUIRE(ff.loadFile(file.c_str()).good());
    DcmDataset& ds = *ff.getDataset();
    REQUIRE(ds.putAndInsertString(DCM_PatientSex, " f").good());
    REQUIRE(ds.putAndInsertString(DCM_StudyDate, "").good());
    REQUIRE(ds.putAndInsertString(DCM_ContentDate, "20240101").good());
    ds.findAndDeleteElement(DCM_PatientAge);
    REQUIRE(ff.saveFile(file.c_str(), EXS_LittleEndianExplicit).good());
  }
  const auto p = dicom::read_patient_info(file);
  CHECK(p.sex == "F");
  CHECK(p.birth_date.empty());
  CHECK(p.age.empty());
  CHECK(p.study_date.empty());
  CHECK(p.content_date == "20240101");
}

TEST_CASE("a file that is not DICOM is refused as unparseable", "[patient]") {
  test::TempDir dir;
  const auto file = dir.path() / "not.dcm";
  std::ofstream(file) << "this is not a DICOM file";
  try {
    dicom::read_patient_info(file);
    FAIL("no exception");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::dicom_unparseable);
  }
}

TEST_CASE("malformed DICOM dates are rejected", "[patient]") {
  CHECK_FALSE(dicom::parse_dicom_date("20230230"));
  CHECK_FALSE(dicom::parse_dicom_date("2023013"));
  CHECK_FALSE(dicom::parse_dicom_date("2023-01-13"));
  CHECK_FALSE(dicom::parse_dicom_date(""));
  CHECK(dicom::parse_dicom_date("20240229"));
  CHECK_FALSE(dicom::parse_dicom_date("20230229"));
  CHECK(*dicom::parse_dicom_date("19700101") == 0);
  CHECK(*dicom::parse_dicom_date("1970.01.02") == 1);  // ACR-NEMA style
}
