#include <catch2/catch.hpp>

#include "skip.hpp"

#include <filesystem>
#include <fstream>

#include "osteon/core/error.hpp"
#include "osteon/dicom/attributes_reader.hpp"
#include "osteon/dicom/nesting_guard.hpp"
#include "process.hpp"

using namespace osteon;

namespace {

void put16(std::string& s, std::uint16_t v) {
  s.push_back(static_cast<char>(v & 0xFF));
  s.push_back(static_cast<char>(v >> 8));
}
void put32(std::string& s, std::uint32_t v) {
  put16(s, static_cast<std::uint16_t>(v & 0xFFFF));
  put16(s, static_cast<std::uint16_t>(v >> 16));
}

// A bare data set of `levels` nested sequences (0040,A730 Content Sequence), undefined lengths.
std::string nested(int levels, bool explicit_vr) {
  std::string s;
  put16(s, 0x0008);  // (0008,0060) Modality CS "OT"
  put16(s, 0x0060);
  if (explicit_vr) {
    s += "CS";
    put16(s, 2);
  } else {
    put32(s, 2);
  }
  s += "OT";
  for (int i = 0; i < levels; ++i) {
    put16(s, 0x0040);
    put16(s, 0xA730);
    if (explicit_vr) {
      s += "SQ";
      put16(s, 0);
    }
    put32(s, 0xFFFFFFFF);
    put16(s, 0xFFFE);
    put16(s, 0xE000);
    put32(s, 0xFFFFFFFF);
  }
  for (int i = 0; i < levels; ++i) {
    put16(s, 0xFFFE);
    put16(s, 0xE00D);
    put32(s, 0);
    put16(s, 0xFFFE);
    put16(s, 0xE0DD);
    put32(s, 0);
  }
  return s;
}

} // namespace

TEST_CASE("the nesting scanner measures sequence depth without recursion", "[nesting]") {
  for (bool explicit_vr : {true, false}) {
    INFO("explicit VR: " << explicit_vr);
    CHECK(dicom::sequence_depth_of_bytes(nested(0, explicit_vr), 128) == 0);
    CHECK(dicom::sequence_depth_of_bytes(nested(3, explicit_vr), 128) == 3);
    CHECK(dicom::sequence_depth_of_bytes(nested(128, explicit_vr), 128) == 128);
    CHECK(dicom::sequence_depth_of_bytes(nested(100000, explicit_vr), 128) == 129);
  }
  // Truncated input ends the scan without reading past the end.
  const auto t = nested(10, true);
  CHECK(dicom::sequence_depth_of_bytes(std::string_view(t).substr(0, t.size() / 3), 128) <= 10);
}

TEST_CASE("a data set nested deeper than the limit is refused before DCMTK parses it", "[nesting]") {
  test::TempDir dir;
  const auto file = dir.path() / "deep.dcm";
  std::ofstream(file, std::ios::binary) << nested(50000, true);
  try {
    dicom::read_attributes(file);
    FAIL("parsed a 50,000-level data set");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::dicom_unparseable);
    CHECK_THAT(e.what(), Catch::Contains("nested deeper"));
  }
}

TEST_CASE("the corpus attack file is caught and ordinary files pass the guard", "[nesting][corpus]") {
  const auto odd = test::shared_corpus("dicom-odd");
  const auto real = test::shared_corpus("dicom-real");
  if (!odd || !real) {
    OSTEON_SKIP("../shared/corpus absent");
    return;
  }
  CHECK(dicom::sequence_depth(*odd / "orthanc__2026-05-06-Deeply-Nested-Sequence.dcm", 128) > 128);
  for (const auto& file : test::files_in(*real)) {
    INFO(file.string());
    CHECK(dicom::sequence_depth(file, 128) < 16);
  }
}

TEST_CASE("a deflated data set whose element declares more bytes than it holds is refused before DCMTK allocates them", "[nesting]") {
  // 19 KB asking DCMTK for 3.5 GB: DCMTK reads every value of a deflated stream at once, sized as
  // declared (found by fuzz/fuzz_dataset).
  const auto file = std::filesystem::path(OSTEON_SOURCE_DIR) / "fuzz/regressions/dataset/deflated-element-longer-than-data-set";
  REQUIRE(std::filesystem::exists(file));
  CHECK_THROWS_WITH(dicom::require_sane_nesting(file),
                    Catch::Contains("declares") && Catch::Contains("more than") && Catch::Contains("deflated"));
  CHECK_THROWS_WITH(dicom::read_attributes(file), Catch::Contains("deflated data set holds"));
}
