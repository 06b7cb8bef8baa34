// Tests of osteon_synth: the DX writer used by the phantom generator and the ingest tests.
#include "dicom_read.hpp"

#include "osteon/synth/dx_writer.hpp"

#include <catch2/catch.hpp>

#include "skip.hpp"

#include <algorithm>
#include <stdexcept>

using namespace osteon::synth;
namespace t = osteon::phantom::testing;

namespace {

const std::vector<Encoding> all_encodings{Encoding::explicit_le,   Encoding::implicit_le,
                                          Encoding::big_endian,    Encoding::deflate,
                                          Encoding::jpeg_lossless, Encoding::jpeg_ls_lossless,
                                          Encoding::rle};

DxAttributes named_attrs() {
  DxAttributes a;
  a.study_uid = make_uid("study", 7);
  a.series_uid = make_uid("series", 7, 1);
  a.sop_uid = make_uid("instance", 7, 1);
  a.patient_birth_date = "20140101";
  a.patient_age = "012Y";
  return a;
}

// Digits and dots, no empty component, no leading zero (PS3.5 9.1).
bool valid_uid(const std::string& uid) {
  std::size_t start = 0;
  while (start <= uid.size()) {
    const std::size_t dot = std::min(uid.find('.', start), uid.size());
    const std::string part = uid.substr(start, dot - start);
    if (part.empty() || (part.size() > 1 && part[0] == '0')) return false;
    if (!std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    start = dot + 1;
  }
  return true;
}

}  // namespace

TEST_CASE("a written DX file is read back by DCMTK with the given UIDs and attributes") {
  const auto dir = t::fresh_dir("uids");
  const auto image = make_test_pattern(64, 48, 12, 1);
  write_dx(dir / "a.dcm", named_attrs(), image);
  const auto dx = t::read_dx(dir / "a.dcm");
  CHECK(dx.sop_class_uid == dx_for_presentation_sop_class);
  CHECK(dx.study_uid == make_uid("study", 7));
  CHECK(dx.series_uid == make_uid("series", 7, 1));
  CHECK(dx.sop_uid == make_uid("instance", 7, 1));
  CHECK(dx.transfer_syntax == transfer_syntax_uid(Encoding::explicit_le));
  CHECK(dx.rows == 64);
  CHECK(dx.cols == 48);
  CHECK(dx.bits_allocated == 16);
  CHECK(dx.bits_stored == 12);
  CHECK(dx.photometric == "MONOCHROME2");
  CHECK(dx.body_part == "HAND");
  CHECK(dx.view_position == "PA");
  CHECK(dx.laterality == "L");
  CHECK(dx.patient_age == "012Y");
  CHECK(dx.pixel_spacing == "0.15\\0.15");
}

TEST_CASE("every encoding round-trips the pixel values losslessly") {
  const Encoding encoding = GENERATE_COPY(from_range(all_encodings));
  const unsigned bits = GENERATE(12u, 16u);
  const bool monochrome1 = GENERATE(false, true);
  CAPTURE(encoding_name(encoding), bits, monochrome1);
  const auto dir = t::fresh_dir("roundtrip");
  const auto image = make_test_pattern(97, 131, bits, 42);  // odd sizes on purpose
  DxAttributes attrs = named_attrs();
  attrs.monochrome1 = monochrome1;
  write_dx(dir / "x.dcm", attrs, image, encoding);
  const auto dx = t::read_dx(dir / "x.dcm");
  CHECK(dx.transfer_syntax == transfer_syntax_uid(encoding));
  CHECK(dx.photometric == (monochrome1 ? "MONOCHROME1" : "MONOCHROME2"));
  REQUIRE(dx.pixels.size() == image.pixels.size());
  const auto max_value = static_cast<std::uint16_t>((1u << bits) - 1u);
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < image.pixels.size(); ++i) {
    const std::uint16_t expected =
        monochrome1 ? static_cast<std::uint16_t>(max_value - image.pixels[i]) : image.pixels[i];
    if (dx.pixels[i] != expected) ++mismatches;
  }
  CHECK(mismatches == 0);
}

TEST_CASE("the same seed gives byte-identical files for every encoding") {
  const Encoding encoding = GENERATE_COPY(from_range(all_encodings));
  CAPTURE(encoding_name(encoding));
  const auto dir = t::fresh_dir("determinism");
  for (const char* name : {"a", "b"}) {
    const auto image = make_test_pattern(120, 100, 12, 5);
    write_dx(dir / (std::string(name) + ".dcm"), DxAttributes{}, image, encoding);
  }
  CHECK(t::file_bytes(dir / "a.dcm") == t::file_bytes(dir / "b.dcm"));
}

TEST_CASE("write_dx_series is deterministic: one study, one series, distinct instances") {
  const auto dir_a = t::fresh_dir("series-a");
  const auto dir_b = t::fresh_dir("series-b");
  const auto a = write_dx_series(dir_a, 3, 40, 30, 9);
  const auto b = write_dx_series(dir_b, 3, 40, 30, 9);
  REQUIRE(a.size() == 3);
  CHECK(a[0].filename() == "0000.dcm");
  CHECK(a[2].filename() == "0002.dcm");
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(t::file_bytes(a[i]) == t::file_bytes(b[i]));
  const auto first = t::read_dx(a[0]);
  const auto last = t::read_dx(a[2]);
  CHECK(first.study_uid == last.study_uid);
  CHECK(first.series_uid == last.series_uid);
  CHECK(first.sop_uid != last.sop_uid);
  CHECK(first.pixels != last.pixels);
  const auto other = write_dx_series(t::fresh_dir("series-c"), 1, 40, 30, 10);
  CHECK(t::read_dx(other[0]).study_uid != first.study_uid);
}

TEST_CASE("default UIDs are deterministic and differ when the pixels differ") {
  const auto dir = t::fresh_dir("default-uids");
  write_dx(dir / "a.dcm", DxAttributes{}, make_test_pattern(32, 32, 12, 1));
  write_dx(dir / "b.dcm", DxAttributes{}, make_test_pattern(32, 32, 12, 2));
  write_dx(dir / "c.dcm", DxAttributes{}, make_test_pattern(32, 32, 12, 1));
  const auto a = t::read_dx(dir / "a.dcm"), b = t::read_dx(dir / "b.dcm"),
             c = t::read_dx(dir / "c.dcm");
  CHECK(a.study_uid == b.study_uid);
  CHECK(a.sop_uid != b.sop_uid);
  CHECK(a.sop_uid == c.sop_uid);
  CHECK(a.sop_uid.rfind(std::string(synthetic_uid_root) + ".", 0) == 0);
}

TEST_CASE("make_uid gives valid UIDs of at most 64 characters under the project root") {
  const std::uint64_t big = ~std::uint64_t{0};
  for (const auto& uid : {make_uid("study", 0), make_uid("series", 1, 2), make_uid("sop", 3, 4),
                          make_uid("instance", big, big), make_uid("frame", big),
                          make_uid("equipment", 12345678901234ull, 98765432109ull)}) {
    CAPTURE(uid);
    CHECK(uid.size() <= 64);
    CHECK(uid.rfind(std::string(synthetic_uid_root) + ".", 0) == 0);
    CHECK(valid_uid(uid));
  }
  CHECK(make_uid("study", 1, 2) == make_uid("study", 1, 2));
  CHECK(make_uid("study", 1, 2) != make_uid("series", 1, 2));
  CHECK(make_uid("instance", big, big) != make_uid("instance", big, big - 1));
  CHECK_THROWS_AS(make_uid("patient", 1), std::invalid_argument);
}

TEST_CASE("bad input is refused with std::invalid_argument") {
  const auto dir = t::fresh_dir("bad-input");
  auto image = make_test_pattern(16, 16, 12, 1);
  SECTION("a value above bits_stored") {
    image.pixels[3] = 4096;
    CHECK_THROWS_AS(write_dx(dir / "x.dcm", DxAttributes{}, image), std::invalid_argument);
  }
  SECTION("a pixel count that does not match rows*cols") {
    image.pixels.pop_back();
    CHECK_THROWS_AS(write_dx(dir / "x.dcm", DxAttributes{}, image), std::invalid_argument);
  }
  SECTION("an invalid UID") {
    DxAttributes attrs;
    attrs.sop_uid = "1.2.03";
    CHECK_THROWS_AS(write_dx(dir / "x.dcm", attrs, image), std::invalid_argument);
  }
  SECTION("an unknown sex") {
    DxAttributes attrs;
    attrs.patient_sex = "X";
    CHECK_THROWS_AS(write_dx(dir / "x.dcm", attrs, image), std::invalid_argument);
  }
  SECTION("an unwritable path gives std::runtime_error") {
    CHECK_THROWS_AS(write_dx(dir / "missing" / "x.dcm", DxAttributes{}, image),
                    std::runtime_error);
  }
  CHECK_THROWS_AS(parse_encoding("jpeg2000"), std::invalid_argument);
  CHECK(parse_encoding("jpeg-ls") == Encoding::jpeg_ls_lossless);
}

TEST_CASE("dciodvfy reports no error for any encoding, photometry or SOP class") {
  const Encoding encoding = GENERATE_COPY(from_range(all_encodings));
  const int variant = GENERATE(0, 1, 2);  // plain, MONOCHROME1 skull, for-processing hip
  CAPTURE(encoding_name(encoding), variant);
  const auto dir = t::fresh_dir("dciodvfy");
  DxAttributes attrs = named_attrs();
  if (variant == 1) {
    attrs.monochrome1 = true;
    attrs.body_part = "SKULL";
    attrs.view_position = "LL";
    attrs.image_laterality = "U";
    attrs.patient_sex = "M";
  } else if (variant == 2) {
    attrs.sop_class_uid = std::string(dx_for_processing_sop_class);
    attrs.body_part = "";
    attrs.anatomic_region = "HIP";
    attrs.view_position = "AP";
    attrs.image_laterality = "B";
    attrs.patient_sex = "";
  }
  write_dx(dir / "v.dcm", attrs, make_test_pattern(64, 64, 14, 3), encoding);
  const auto output = t::run_dciodvfy(dir / "v.dcm");
  if (!output) {
    OSTEON_SKIP("dciodvfy not on PATH");
    return;
  }
  const auto errors = t::error_lines(*output);
  INFO(*output);
  CHECK(errors.empty());
}
