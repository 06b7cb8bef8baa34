// Synthetic DX radiographs (tools/synth) in every encoding decode to exactly the values written;
// MONOCHROME1 and MONOCHROME2 versions of one image give the same normalised result.
#include <catch2/catch.hpp>

#include <dcmtk/dcmdata/dctk.h>

#include <atomic>
#include <cmath>
#include <thread>

#include <fmt/format.h>

#include <osteon/synth/dx_writer.hpp>

#include "imaging_support.hpp"
#include "osteon/imaging/decoder.hpp"
#include "osteon/imaging/intensity.hpp"
#include "osteon/imaging/j2k_writer.hpp"
#include "process.hpp"

using namespace osteon;
using namespace osteon::test::imaging;

namespace {

constexpr synth::Encoding all_encodings[] = {
    synth::Encoding::explicit_le,   synth::Encoding::implicit_le,      synth::Encoding::big_endian,
    synth::Encoding::deflate,       synth::Encoding::jpeg_lossless,    synth::Encoding::jpeg_ls_lossless,
    synth::Encoding::rle};

imaging::Image decode(const fs::path& file, imaging::Stage stage = imaging::Stage::modality) {
  imaging::DecodeOptions o;
  o.stage = stage;
  return imaging::decode_file(file, o);
}

std::vector<float> as_float(const synth::PixelImage& p) { return std::vector<float>(p.pixels.begin(), p.pixels.end()); }

} // namespace

TEST_CASE("a synthetic DX decodes to exactly the stored values in every encoding, JPEG 2000 included", "[synthetic]") {
  test::TempDir dir("osteon-imaging-synth");
  for (const unsigned bits : {12u, 16u}) {
    // Rows != columns: a transposed or flipped decode cannot match.
    const auto pattern = synth::make_test_pattern(96, 80, bits, 7 + bits);
    const auto truth = as_float(pattern);
    for (const auto encoding : all_encodings) {
      for (const bool mono1 : {false, true}) {
        INFO(bits << " bits, " << synth::encoding_name(encoding) << (mono1 ? ", MONOCHROME1" : ", MONOCHROME2"));
        synth::DxAttributes a;
        a.monochrome1 = mono1;
        const auto file = dir.path() / fmt::format("{}-{}-{}.dcm", bits, synth::encoding_name(encoding), mono1);
        synth::write_dx(file, a, pattern, encoding);
        const auto image = decode(file);
        REQUIRE(image.rows() == 96);
        REQUIRE(image.cols() == 80);
        CHECK(image.info.transfer_syntax == synth::transfer_syntax_uid(encoding));
        CHECK(image.info.bits_stored == static_cast<int>(bits));
        CHECK(image.pixels() == truth);  // MONOCHROME1 is mirrored back: bone stays bright
        CHECK(image.info.has_note("MONOCHROME1 inverted") == mono1);
        REQUIRE(image.info.pixel_spacing);
        CHECK(image.info.pixel_spacing->row_mm == Approx(0.15));
      }
    }
    const auto native = dir.path() / fmt::format("{}-explicit-le-false.dcm", bits);
    const auto j2k = dir.path() / fmt::format("{}-j2k.dcm", bits);
    imaging::write_jpeg2000_copy(native, j2k);
    const auto image = decode(j2k);
    CHECK(image.info.transfer_syntax == "1.2.840.10008.1.2.4.90");
    CHECK(image.pixels() == truth);
  }
}

TEST_CASE("a lossy JPEG 2000 copy of a synthetic DX decodes within the stated tolerance", "[synthetic]") {
  test::TempDir dir("osteon-imaging-synth");
  const auto pattern = synth::make_test_pattern(256, 200, 12, 3);
  const auto native = dir.path() / "native.dcm", lossy = dir.path() / "lossy.dcm";
  synth::write_dx(native, {}, pattern);
  imaging::write_jpeg2000_copy(native, lossy, imaging::J2kEncodeOptions{10.0});
  const auto image = decode(lossy);
  CHECK(image.info.transfer_syntax == "1.2.840.10008.1.2.4.91");
  const auto [max_diff, mean_diff] = abs_diff(image.pixels(), as_float(pattern));
  double mse = 0;
  for (std::size_t i = 0; i < image.size(); ++i) mse += std::pow(image.pixels()[i] - pattern.pixels[i], 2.0);
  const double psnr = 10.0 * std::log10(4095.0 * 4095.0 / (mse / static_cast<double>(image.size())));
  INFO("12-bit, ratio 10: max " << max_diff << ", mean " << mean_diff << ", PSNR " << psnr << " dB");
  CHECK(max_diff > 0);
  CHECK(psnr >= 40.0);
}

TEST_CASE("MONOCHROME1 and MONOCHROME2 versions of one image give the same normalised result", "[synthetic]") {
  test::TempDir dir("osteon-imaging-synth");
  const auto pattern = synth::make_test_pattern(120, 90, 14, 11);
  for (const bool stored_window : {true, false}) {
    INFO((stored_window ? "window written by the synthesiser" : "no window: automatic window"));
    fs::path files[2];
    for (int mono1 = 0; mono1 < 2; ++mono1) {
      synth::DxAttributes a;
      a.monochrome1 = mono1 == 1;
      files[mono1] = dir.path() / fmt::format("m{}-{}.dcm", mono1 + 1, stored_window);
      synth::write_dx(files[mono1], a, pattern, synth::Encoding::jpeg_lossless);
      if (!stored_window) {
        edit_dataset(files[mono1], [](DcmDataset& ds) {
          ds.findAndDeleteElement(DCM_WindowCenter);
          ds.findAndDeleteElement(DCM_WindowWidth);
        });
      }
    }
    const auto mono2 = decode(files[0], imaging::Stage::presentation);
    const auto mono1 = decode(files[1], imaging::Stage::presentation);
    // The synthesiser mirrors the window centre as max - c; PS3.3's LINEAR function would need
    // max - c + 1 for an exact mirror, so with a stored window the two differ by 1/(width - 1).
    const double tolerance = stored_window ? 1.0 / (16384.0 - 1.0) + 1e-6 : 1e-6;
    CHECK(abs_diff(mono1.pixels(), mono2.pixels()).first <= tolerance);
    const auto n1 = imaging::normalize_percentiles(mono1, 1.0, 99.0);
    const auto n2 = imaging::normalize_percentiles(mono2, 1.0, 99.0);
    CHECK(abs_diff(n1.pixels(), n2.pixels()).first <= (stored_window ? 1e-3 : 1e-6));
    // The most attenuating pixel (highest value in the pattern) is the brightest of both.
    const auto brightest = static_cast<std::size_t>(
        std::max_element(pattern.pixels.begin(), pattern.pixels.end()) - pattern.pixels.begin());
    CHECK(mono1.pixels()[brightest] == *std::max_element(mono1.pixels().begin(), mono1.pixels().end()));
    CHECK(mono2.pixels()[brightest] == *std::max_element(mono2.pixels().begin(), mono2.pixels().end()));
    CHECK(mono1.info.has_note("MONOCHROME1 inverted"));
  }
}

TEST_CASE("decoding is thread-safe: four threads decode every encoding at once", "[synthetic]") {
  test::TempDir dir("osteon-imaging-threads");
  const auto pattern = synth::make_test_pattern(128, 96, 16, 99);
  std::vector<fs::path> files;
  for (const auto encoding : all_encodings) {
    files.push_back(dir.path() / fmt::format("{}.dcm", synth::encoding_name(encoding)));
    synth::write_dx(files.back(), {}, pattern, encoding);
  }
  files.push_back(dir.path() / "j2k.dcm");
  imaging::write_jpeg2000_copy(files.front(), files.back());
  const auto truth = as_float(pattern);
  std::atomic<int> mismatches{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (std::size_t i = 0; i < files.size(); ++i) {
          try {
            imaging::DecodeOptions o;
            o.stage = imaging::Stage::modality;
            o.codec_threads = 1 + t % 2;
            if (imaging::decode_file(files[(i + static_cast<std::size_t>(t)) % files.size()], o).pixels() != truth) ++mismatches;
          } catch (...) {
            ++failures;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(mismatches == 0);
  CHECK(failures == 0);
}
