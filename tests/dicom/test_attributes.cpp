#include <catch2/catch.hpp>

#include "skip.hpp"

#include <fstream>

#include <osteon/synth/dx_writer.hpp>

#include "osteon/core/error.hpp"
#include "osteon/dicom/attributes_reader.hpp"
#include "process.hpp"

namespace fs = std::filesystem;
using namespace osteon;

TEST_CASE("the indexed attributes are read from a DX file", "[attributes]") {
  test::TempDir dir;
  synth::DxAttributes a;
  a.patient_id = "PID-7";
  a.body_part = "HAND";
  a.view_position = "PA";
  a.image_laterality = "L";
  a.accession_number = "ACC1";
  a.series_number = 3;
  a.instance_number = 9;
  const auto file = dir.path() / "dx.dcm";
  synth::write_dx(file, a, synth::make_test_pattern(64, 48, 12, 1), synth::Encoding::jpeg_lossless);
  const auto got = dicom::read_attributes(file);
  CHECK(got.sop_class_uid == "1.2.840.10008.5.1.4.1.1.1.1");
  CHECK_FALSE(got.sop_instance_uid.empty());
  CHECK_FALSE(got.study_uid.empty());
  CHECK_FALSE(got.series_uid.empty());
  CHECK(got.transfer_syntax_uid == "1.2.840.10008.1.2.4.70");
  CHECK(got.patient_id == "PID-7");
  CHECK(got.modality == "DX");
  CHECK(got.body_part == "HAND");
  CHECK(got.view_position == "PA");
  CHECK(got.laterality == "L");
  CHECK(got.accession_number == "ACC1");
  CHECK(got.series_number == 3);
  CHECK(got.instance_number == 9);
}

TEST_CASE("a file that is not DICOM is unparseable", "[attributes]") {
  test::TempDir dir;
  std::ofstream(dir.path() / "junk.dcm") << "this is not a DICOM file at all";
  try {
    dicom::read_attributes(dir.path() / "junk.dcm");
    FAIL("parsed junk");
  } catch (const Error& e) {
    CHECK((e.code() == Errc::dicom_unparseable || e.code() == Errc::dicom_missing_uid));
  }
}

TEST_CASE("the corpus files with UIDs are readable, the others give a DICOM error", "[attributes][corpus]") {
  for (const char* set : {"dicom-real", "dicom-odd"}) {
    const auto corpus = test::shared_corpus(set);
    if (!corpus) {
      OSTEON_SKIP("../shared/corpus absent");
      return;
    }
    for (const auto& file : test::files_in(*corpus)) {
      INFO(file.string());
      try {
        const auto a = dicom::read_attributes(file);
        CHECK_FALSE(a.sop_instance_uid.empty());
      } catch (const Error& e) {
        CHECK((e.code() == Errc::dicom_unparseable || e.code() == Errc::dicom_missing_uid));
      }
    }
  }
}
