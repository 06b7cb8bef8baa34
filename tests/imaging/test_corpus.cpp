// Every real-world file of ../shared/corpus/dicom-real: shape, range and orientation, checked
// against DCMTK's own renderer (dcmj2pnm) wherever DCMTK can decode the file.
#include <catch2/catch.hpp>

#include "skip.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "imaging_support.hpp"
#include "osteon/core/error.hpp"
#include "osteon/imaging/decoder.hpp"
#include "process.hpp"

using namespace osteon;
using namespace osteon::test::imaging;

namespace {

// Files with pixel data this decoder refuses, and why. Everything else must decode.
const std::map<std::string, std::string> known_unsupported{
    // 7-bit JPEG-LS: the CharLS 1.x inside DCMTK 3.6.7 rejects the codestream (dcmj2pnm fails too).
    {"pydicomdata__JLSL_08_07_0_1F.dcm", "cannot decompress"},
};

// Files whose image is uniform: checked to be flat (DCMTK decodes them flat too).
const std::map<std::string, std::string> known_blank{
    // 1024x1024 JPEG lossless CT whose stored values are all 0 (1 bit per pixel of Huffman code).
    {"orthanc__2024-05-30-GuillemVela.dcm", "all stored values are 0"},
};

bool is_jpeg_ls(const std::string& ts) { return ts == "1.2.840.10008.1.2.4.80" || ts == "1.2.840.10008.1.2.4.81"; }

bool is_jpeg2000(const std::string& ts) {
  return ts.rfind("1.2.840.10008.1.2.4.9", 0) == 0 || ts.rfind("1.2.840.10008.1.2.4.20", 0) == 0;
}

std::vector<fs::path> corpus_files() {
  const auto dir = test::shared_corpus("dicom-real");
  if (!dir) return {};
  return test::files_in(*dir);
}

} // namespace

TEST_CASE("every dicom-real file with pixel data decodes to an image of its declared shape in [0, 1]", "[corpus]") {
  const auto files = corpus_files();
  if (files.empty()) {
    OSTEON_SKIP("../shared/corpus/dicom-real is absent");
    return;
  }
  int decoded = 0, without_pixels = 0;
  for (const auto& file : files) {
    INFO(file.filename().string());
    const Header h = read_header(file);
    REQUIRE(h.readable);
    if (!h.has_pixels) {
      CHECK(error_of([&] { imaging::decode_file(file); }).code == Errc::not_found);
      ++without_pixels;
      continue;
    }
    if (const auto it = known_unsupported.find(file.filename().string()); it != known_unsupported.end()) {
      const auto e = error_of([&] { imaging::decode_file(file); });
      CHECK(e.code == Errc::dicom_unparseable);
      CHECK_THAT(e.message, Catch::Contains(it->second));
      continue;
    }
    for (const int frame : {0, h.frames - 1}) {
      imaging::DecodeOptions options;
      options.frame = frame;
      const auto image = imaging::decode_file(file, options);
      CHECK(image.rows() == h.rows);
      CHECK(image.cols() == h.cols);
      CHECK(image.info.frames == h.frames);
      const auto [lo, hi] = std::minmax_element(image.pixels().begin(), image.pixels().end());
      CHECK(std::all_of(image.pixels().begin(), image.pixels().end(), [](float v) { return std::isfinite(v); }));
      CHECK(*lo >= 0.0f);
      CHECK(*hi <= 1.0f);
      if (known_blank.count(file.filename().string())) {
        CHECK(*hi == *lo);
      } else if (image.size() >= 64) {
        CHECK(*hi - *lo > 0.1f);  // not blank
      }
      if (h.frames == 1) break;
    }
    ++decoded;
  }
  CHECK(decoded >= 60);
  CHECK(without_pixels >= 3);
}

TEST_CASE("decoded pixels correlate with DCMTK's rendering: same orientation, polarity and Modality LUT", "[corpus]") {
  const auto files = corpus_files();
  if (files.empty()) {
    OSTEON_SKIP("../shared/corpus/dicom-real is absent");
    return;
  }
  if (test::run({"dcmj2pnm", "--version"}).exit_code != 0) {
    OSTEON_SKIP("DCMTK's dcmj2pnm is not installed");
    return;
  }
  test::TempDir work("osteon-imaging-corpus");
  int compared = 0;
  for (const auto& file : files) {
    const Header h = read_header(file);
    if (!h.has_pixels || known_unsupported.count(file.filename().string()) || is_jpeg2000(h.transfer_syntax)) continue;
    // +Wm: a linear min-max window over the modality values, no VOI: compare with ours before VOI.
    const auto reference = dcmj2pnm(file, {"+Wm"}, work.path(), is_jpeg_ls(h.transfer_syntax));
    INFO(file.filename().string());
    if (!reference) {
      WARN("dcmj2pnm cannot render " << file.filename().string());
      continue;
    }
    imaging::DecodeOptions options;
    options.stage = imaging::Stage::modality;
    const auto image = imaging::decode_file(file, options);
    REQUIRE(reference->rows == image.rows());
    REQUIRE(reference->cols == image.cols());
    std::vector<float> ours = image.pixels(), theirs = reference->luminance;
    std::vector<float> ours_flipped = flipped_vertically(ours, image.rows(), image.cols());
    if (h.padding) {  // DCMTK renders padding as its stored value, we as the darkest real value: leave it out
      std::vector<float> a, b, c;
      for (std::size_t i = 0; i < theirs.size(); ++i) {
        if (theirs[i] == 0.0f) continue;
        a.push_back(ours[i]);
        b.push_back(theirs[i]);
        c.push_back(ours_flipped[i]);
      }
      ours.swap(a);
      theirs.swap(b);
      ours_flipped.swap(c);
    }
    const double r = pearson(ours, theirs);
    const double flipped = pearson(ours_flipped, theirs);
    INFO("correlation " << r << ", with the image flipped upside down " << flipped);
    CHECK(r > 0.99);
    if (!known_blank.count(file.filename().string())) CHECK(r > flipped);
    ++compared;
  }
  CHECK(compared >= 45);
}

TEST_CASE("the VOI of the object (window or VOI LUT sequence) renders as DCMTK renders it", "[corpus]") {
  const auto files = corpus_files();
  if (files.empty()) {
    OSTEON_SKIP("../shared/corpus/dicom-real is absent");
    return;
  }
  if (test::run({"dcmj2pnm", "--version"}).exit_code != 0) {
    OSTEON_SKIP("DCMTK's dcmj2pnm is not installed");
    return;
  }
  test::TempDir work("osteon-imaging-voi");
  int compared = 0;
  for (const auto& file : files) {
    const Header h = read_header(file);
    if (!h.has_pixels || known_unsupported.count(file.filename().string()) || is_jpeg2000(h.transfer_syntax)) continue;
    if (!h.voi_lut && !h.window) continue;
    const auto reference = dcmj2pnm(file, {h.voi_lut ? "+Wl" : "+Wi", "1"}, work.path(), is_jpeg_ls(h.transfer_syntax));
    if (!reference) continue;
    INFO(file.filename().string());
    const auto image = imaging::decode_file(file);
    std::vector<float> ours(image.size());
    for (std::size_t i = 0; i < ours.size(); ++i) ours[i] = image.pixels()[i] * 255.0f;
    const auto [max_diff, mean_diff] = abs_diff(ours, reference->luminance);
    INFO("8-bit differences: max " << max_diff << ", mean " << mean_diff);
    CHECK(mean_diff < 1.0);
    CHECK(max_diff <= 2.0);
    ++compared;
  }
  CHECK(compared >= 8);
}
