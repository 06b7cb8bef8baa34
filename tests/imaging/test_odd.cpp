// Every file of ../shared/corpus/dicom-odd (malformed or unusual) gives an image or a clear
// osteon::Error, never a crash. Built twice: plainly (imaging_odd) and with AddressSanitizer and
// UndefinedBehaviorSanitizer over the imaging sources (imaging_odd_asan).
#include <catch2/catch.hpp>

#include "skip.hpp"

#include <cmath>
#include <map>

#include "osteon/core/error.hpp"
#include "osteon/imaging/decoder.hpp"
#include "process.hpp"

using namespace osteon;

TEST_CASE("every dicom-odd file decodes or fails with a clear error, never a crash", "[odd]") {
  const auto dir = test::shared_corpus("dicom-odd");
  if (!dir) {
    OSTEON_SKIP("../shared/corpus/dicom-odd is absent");
    return;
  }
  // Outcomes that must not change: file -> error code expected (absent: any outcome but a crash).
  const std::map<std::string, Errc> expected{
      {"orthanc__2026-05-06-Deeply-Nested-Sequence.dcm", Errc::dicom_unparseable},
      {"orthanc__2026-05-26-oob-monochrome-46341.dcm", Errc::dicom_unparseable},
      {"fodicom__GH1146.dcm", Errc::dicom_unparseable},  // Pixel Data of zero length
      {"fodicom__GH178.dcm", Errc::not_found},
      {"orthanc__Issue22-NoPixelData.dcm", Errc::not_found},
      {"orthanc__CR_header_only_CR000000.dcm", Errc::not_found},
      {"pydicom__MR_truncated.dcm", Errc::dicom_unparseable},
      {"pydicom__zipMR.gz", Errc::dicom_unparseable},
      {"pydicomdata__emri_small_jpeg_2k_lossless_too_short.dcm", Errc::dicom_unparseable},
      {"orthanc__2020-09-12-ELSCINT1-PMSCT_RLE1.dcm", Errc::not_found},  // pixels in a private element
      {"pydicomdata__parametric_map_float.dcm", Errc::dicom_unparseable},
  };
  int images = 0, errors = 0;
  for (const auto& file : test::files_in(*dir)) {
    const std::string name = file.filename().string();
    INFO(name);
    for (const int frame : {0, 1}) {  // the second frame, where there is one, too
      imaging::DecodeOptions options;
      options.frame = frame;
      try {
        const auto image = imaging::decode_file(file, options);
        CHECK(image.rows() > 0);
        CHECK(image.size() == static_cast<std::size_t>(image.rows()) * static_cast<std::size_t>(image.cols()));
        for (const float v : image.pixels()) {
          if (!(std::isfinite(v) && v >= 0.0f && v <= 1.0f)) {
            FAIL_CHECK("pixel value " << v << " outside [0, 1]");
            break;
          }
        }
        CHECK(expected.count(name) == 0);
        if (frame == 0) ++images;
      } catch (const Error& e) {
        INFO(e.what());
        CHECK(std::string(e.what()).size() > 10);
        if (frame == 1 && e.code() == Errc::invalid_argument) continue;  // single-frame object
        if (const auto it = expected.find(name); it != expected.end() && frame == 0) CHECK(e.code() == it->second);
        if (frame == 0) ++errors;
      }
    }
  }
  WARN(images << " dicom-odd files decoded, " << errors << " refused with a clear error");
  CHECK(images + errors >= 40);
}
