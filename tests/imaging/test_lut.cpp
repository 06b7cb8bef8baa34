// Known values through the greyscale and colour pipelines (PS3.3 C.11), on hand-built files.
#include <catch2/catch.hpp>

#include <dcmtk/dcmdata/dctk.h>

#include <cmath>
#include <numeric>

#include "imaging_support.hpp"
#include "osteon/imaging/decoder.hpp"
#include "process.hpp"

using namespace osteon;
using namespace osteon::test::imaging;
using imaging::Stage;

namespace {

imaging::Image decode(const fs::path& file, Stage stage = Stage::presentation, int frame = 0) {
  imaging::DecodeOptions o;
  o.stage = stage;
  o.frame = frame;
  return imaging::decode_file(file, o);
}

// 16 x 16 ramp of 12-bit values 0, 16, ..., 4080.
NativeSpec ramp12() {
  NativeSpec s;
  s.rows = s.cols = 16;
  std::vector<int> v(256);
  for (int i = 0; i < 256; ++i) v[static_cast<std::size_t>(i)] = i * 16;
  s.pixel_bytes = le16(v);
  return s;
}

double linear(double x, double c, double w) {  // PS3.3 C.11.2.1.2.1
  if (x <= c - 0.5 - (w - 1) / 2) return 0.0;
  if (x > c - 0.5 + (w - 1) / 2) return 1.0;
  return (x - (c - 0.5)) / (w - 1) + 0.5;
}

void put_lut(DcmItem& item, Uint16 entries, Sint32 first, Uint16 bits, const std::vector<Uint16>& data, bool ss) {
  if (ss) {
    const Sint16 d[3] = {static_cast<Sint16>(entries), static_cast<Sint16>(first), static_cast<Sint16>(bits)};
    auto* e = new DcmSignedShort(DcmTag(DCM_LUTDescriptor, EVR_SS));
    e->putSint16Array(d, 3);
    item.insert(e, OFTrue);
  } else {
    const Uint16 d[3] = {entries, static_cast<Uint16>(first), bits};
    item.putAndInsertUint16Array(DCM_LUTDescriptor, d, 3);
  }
  auto* data_element = new DcmOtherByteOtherWord(DcmTag(DCM_LUTData, EVR_OW));
  data_element->putUint16Array(data.data(), static_cast<unsigned long>(data.size()));
  item.insert(data_element, OFTrue);
}

} // namespace

TEST_CASE("rescale slope and intercept give calibrated float values", "[lut]") {
  test::TempDir dir;
  const auto file = dir.path() / "rescale.dcm";
  write_native(file, ramp12(), [](DcmDataset& ds) {
    ds.putAndInsertString(DCM_RescaleSlope, "0.25");
    ds.putAndInsertString(DCM_RescaleIntercept, "-100.5");
  });
  const auto image = decode(file, Stage::modality);
  for (int i = 0; i < 256; ++i) CHECK(image.pixels()[static_cast<std::size_t>(i)] == Approx(i * 16 * 0.25 - 100.5));
}

TEST_CASE("the stored window maps values with the VOI LUT function of PS3.3 C.11.2.1.2", "[lut]") {
  test::TempDir dir;
  const auto file = dir.path() / "window.dcm";
  for (const std::string function : {"", "LINEAR_EXACT", "SIGMOID"}) {
    INFO("VOI LUT Function '" << function << "'");
    write_native(file, ramp12(), [&](DcmDataset& ds) {
      ds.putAndInsertString(DCM_WindowCenter, "2000\\1000");  // the first window is used
      ds.putAndInsertString(DCM_WindowWidth, "1001\\10");
      if (!function.empty()) ds.putAndInsertString(DCM_VOILUTFunction, function.c_str());
    });
    const auto image = decode(file);
    REQUIRE(image.info.window);
    CHECK(image.info.window->center == 2000);
    CHECK(image.info.window->width == 1001);
    for (int i = 0; i < 256; ++i) {
      const double x = i * 16;
      double expected = linear(x, 2000, 1001);
      if (function == "LINEAR_EXACT") expected = std::clamp((x - 2000) / 1001 + 0.5, 0.0, 1.0);
      if (function == "SIGMOID") expected = 1.0 / (1.0 + std::exp(-4.0 * (x - 2000) / 1001));
      CHECK(image.pixels()[static_cast<std::size_t>(i)] == Approx(expected).margin(1e-6));
    }
  }
}

TEST_CASE("a window given by the caller overrides the stored one", "[lut]") {
  test::TempDir dir;
  const auto file = dir.path() / "override.dcm";
  write_native(file, ramp12(), [](DcmDataset& ds) {
    ds.putAndInsertString(DCM_WindowCenter, "2000");
    ds.putAndInsertString(DCM_WindowWidth, "1001");
  });
  imaging::DecodeOptions o;
  o.window = imaging::Window{1000, 2001};
  const auto image = imaging::decode_file(file, o);
  for (int i = 0; i < 256; ++i) CHECK(image.pixels()[static_cast<std::size_t>(i)] == Approx(linear(i * 16, 1000, 2001)).margin(1e-6));
  CHECK(image.info.has_note("window override"));
}

TEST_CASE("a VOI LUT sequence maps modality values through its table", "[lut]") {
  test::TempDir dir;
  const auto file = dir.path() / "voilut.dcm";
  // Table over 0..4095 in steps of 1: out = 4095 - x (12-bit output) -> presentation 1 - x/4095.
  std::vector<Uint16> table(4096);
  for (int i = 0; i < 4096; ++i) table[static_cast<std::size_t>(i)] = static_cast<Uint16>(4095 - i);
  write_native(file, ramp12(), [&](DcmDataset& ds) {
    DcmItem* item = nullptr;
    ds.findOrCreateSequenceItem(DCM_VOILUTSequence, item, -2);
    put_lut(*item, 4096, 0, 12, table, false);
    ds.putAndInsertString(DCM_WindowCenter, "2000");  // the LUT is preferred
    ds.putAndInsertString(DCM_WindowWidth, "100");
  });
  const auto image = decode(file);
  for (int i = 0; i < 256; ++i) CHECK(image.pixels()[static_cast<std::size_t>(i)] == Approx(1.0 - i * 16 / 4095.0).margin(1e-6));
  CHECK(image.info.has_note("VOI LUT sequence applied"));
}

TEST_CASE("a Modality LUT sequence with a signed first value maps signed stored values", "[lut]") {
  test::TempDir dir;
  const auto file = dir.path() / "mlut.dcm";
  NativeSpec s;
  s.rows = 2;
  s.cols = 3;
  s.is_signed = true;
  s.pixel_bytes = le16({-2048, -1, 0, 1, 2047, -5000 & 0xFFF});  // the last wraps to a 12-bit pattern
  std::vector<Uint16> table(4096);
  for (int i = 0; i < 4096; ++i) table[static_cast<std::size_t>(i)] = static_cast<Uint16>(10 + 2 * i);  // in: -2048..2047
  write_native(file, s, [&](DcmDataset& ds) {
    DcmItem* item = nullptr;
    ds.findOrCreateSequenceItem(DCM_ModalityLUTSequence, item, -2);
    put_lut(*item, 4096, -2048, 16, table, true);
  });
  const auto image = decode(file, Stage::modality);
  const auto expect = [](int stored) { return static_cast<float>(10 + 2 * (stored + 2048)); };
  CHECK(image.pixels()[0] == expect(-2048));
  CHECK(image.pixels()[1] == expect(-1));
  CHECK(image.pixels()[2] == expect(0));
  CHECK(image.pixels()[3] == expect(1));
  CHECK(image.pixels()[4] == expect(2047));
  CHECK(image.pixels()[5] == expect(static_cast<std::int16_t>((-5000 & 0xFFF) << 4) >> 4));
  CHECK(image.info.has_note("Modality LUT sequence applied"));
}

TEST_CASE("pixel padding is black and left out of the automatic window", "[lut]") {
  test::TempDir dir;
  const auto file = dir.path() / "padding.dcm";
  NativeSpec s;
  s.rows = 10;
  s.cols = 10;
  std::vector<int> v(100);
  for (int i = 0; i < 100; ++i) v[static_cast<std::size_t>(i)] = i < 40 ? 4095 - (i % 3) : 1000 + i;  // 40 padding pixels
  s.pixel_bytes = le16(v);
  write_native(file, s, [](DcmDataset& ds) {
    ds.putAndInsertUint16(DCM_PixelPaddingValue, 4095);
    ds.putAndInsertUint16(DCM_PixelPaddingRangeLimit, 4093);
  });
  imaging::DecodeOptions o;
  o.auto_window_low_percent = 0;
  o.auto_window_high_percent = 100;
  const auto image = imaging::decode_file(file, o);
  REQUIRE(image.info.window);
  CHECK(image.info.window->center - image.info.window->width / 2 == Approx(1040));  // real pixels only
  CHECK(image.info.window->center + image.info.window->width / 2 == Approx(1099));
  for (int i = 0; i < 40; ++i) CHECK(image.pixels()[static_cast<std::size_t>(i)] == 0.0f);
  CHECK(image.pixels()[99] == 1.0f);
  const auto calibrated = decode(file, Stage::modality);
  CHECK(calibrated.pixels()[0] == 1040.0f);  // the darkest real value
}

TEST_CASE("Presentation LUT Shape INVERSE inverts a MONOCHROME2 image", "[lut]") {
  test::TempDir dir;
  const auto plain = dir.path() / "plain.dcm", inverse = dir.path() / "inverse.dcm";
  const auto window = [](DcmDataset& ds) {
    ds.putAndInsertString(DCM_WindowCenter, "2048");
    ds.putAndInsertString(DCM_WindowWidth, "4096");
  };
  write_native(plain, ramp12(), window);
  write_native(inverse, ramp12(), [&](DcmDataset& ds) {
    window(ds);
    ds.putAndInsertString(DCM_PresentationLUTShape, "INVERSE");
  });
  const auto a = decode(plain), b = decode(inverse);
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(b.pixels()[i] == Approx(1.0f - a.pixels()[i]).margin(1e-6));
}

TEST_CASE("the automatic window spans the 0.5 to 99.5 percentiles", "[lut]") {
  test::TempDir dir;
  const auto file = dir.path() / "auto.dcm";
  NativeSpec s;
  s.rows = 20;
  s.cols = 50;  // 1000 pixels: 5 outliers at each end
  std::vector<int> v(1000);
  for (int i = 0; i < 1000; ++i) v[static_cast<std::size_t>(i)] = i < 5 ? 0 : i >= 995 ? 4095 : 1000 + i;
  s.pixel_bytes = le16(v);
  write_native(file, s);
  const auto image = decode(file);
  REQUIRE(image.info.window);
  CHECK(image.info.window->center - image.info.window->width / 2 == Approx(1005));
  CHECK(image.info.window->center + image.info.window->width / 2 == Approx(1994));
  CHECK(image.info.has_note("automatic window"));
}

TEST_CASE("signed, 8-bit, misaligned high bit, 1-bit and 12-bit packed samples decode to their values", "[lut]") {
  test::TempDir dir;
  const auto file = dir.path() / "bits.dcm";
  SECTION("signed 16-bit") {
    NativeSpec s;
    s.rows = 1;
    s.cols = 4;
    s.bits_stored = 16;
    s.high_bit = 15;
    s.is_signed = true;
    s.pixel_bytes = le16({-32768, -1, 0, 32767});
    write_native(file, s);
    CHECK(decode(file, Stage::modality).pixels() == std::vector<float>{-32768, -1, 0, 32767});
  }
  SECTION("8 bits stored in 8") {
    NativeSpec s;
    s.rows = 1;
    s.cols = 4;
    s.bits_allocated = s.bits_stored = 8;
    s.high_bit = 7;
    s.pixel_bytes = {0, 1, 128, 255};
    write_native(file, s);
    CHECK(decode(file, Stage::modality).pixels() == std::vector<float>{0, 1, 128, 255});
  }
  SECTION("12 bits stored in 16 with the high bit at 15 and other bits set below") {
    NativeSpec s;
    s.rows = 1;
    s.cols = 3;
    s.high_bit = 15;
    s.pixel_bytes = le16({(1 << 4) | 0xF, (4095 << 4) | 0x3, 2048 << 4});
    write_native(file, s);
    CHECK(decode(file, Stage::modality).pixels() == std::vector<float>{1, 4095, 2048});
  }
  SECTION("1 bit allocated: packed, least significant bit first") {
    NativeSpec s;
    s.rows = 2;
    s.cols = 8;
    s.bits_allocated = s.bits_stored = 1;
    s.high_bit = 0;
    s.pixel_bytes = {0b00000101, 0b10000000};
    write_native(file, s);
    CHECK(decode(file, Stage::modality).pixels() ==
          std::vector<float>{1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  }
  SECTION("12 bits allocated (ACR-NEMA packing): two pixels in three bytes") {
    NativeSpec s;
    s.rows = 1;
    s.cols = 4;
    s.bits_allocated = 12;
    // pixels 0xABC, 0x123, 0xFFF, 0x001 as a little-endian bit stream
    s.pixel_bytes = {0xBC, 0x3A, 0x12, 0xFF, 0x1F, 0x00};
    write_native(file, s);
    CHECK(decode(file, Stage::modality).pixels() == std::vector<float>{0xABC, 0x123, 0xFFF, 0x001});
  }
}

TEST_CASE("the frame option picks one frame of a multi-frame object", "[lut]") {
  test::TempDir dir;
  const auto file = dir.path() / "frames.dcm";
  NativeSpec s;
  s.rows = 2;
  s.cols = 2;
  s.frames = 3;
  s.pixel_bytes = le16({1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3});
  write_native(file, s);
  for (int f = 0; f < 3; ++f) {
    const auto image = decode(file, Stage::modality, f);
    CHECK(image.pixels() == std::vector<float>(4, static_cast<float>(f + 1)));
    CHECK(image.info.frame == f);
    CHECK(image.info.frames == 3);
  }
}

TEST_CASE("RGB and YBR colour become Rec. 601 luminance", "[lut]") {
  test::TempDir dir;
  const auto file = dir.path() / "colour.dcm";
  NativeSpec s;
  s.rows = 1;
  s.cols = 2;
  s.samples = 3;
  s.bits_allocated = s.bits_stored = 8;
  s.high_bit = 7;
  SECTION("RGB, colour-by-pixel") {
    s.photometric = "RGB";
    s.pixel_bytes = {255, 0, 0, 0, 0, 255};
    write_native(file, s);
    const auto image = decode(file);
    CHECK(image.pixels()[0] == Approx(0.299));
    CHECK(image.pixels()[1] == Approx(0.114));
  }
  SECTION("RGB, colour-by-plane") {
    s.photometric = "RGB";
    s.planar = 1;
    s.pixel_bytes = {255, 0, 0, 0, 0, 255};  // R plane, G plane, B plane
    write_native(file, s);
    const auto image = decode(file);
    CHECK(image.pixels()[0] == Approx(0.299));
    CHECK(image.pixels()[1] == Approx(0.114));
  }
  SECTION("YBR_FULL_422: two luminance samples then Cb Cr per pair of pixels") {
    s.photometric = "YBR_FULL_422";
    s.pixel_bytes = {51, 204, 128, 128};
    write_native(file, s);
    const auto image = decode(file);
    CHECK(image.pixels()[0] == Approx(0.2));
    CHECK(image.pixels()[1] == Approx(0.8));
  }
}

TEST_CASE("pixel spacing comes from Pixel Spacing, else Imager Pixel Spacing", "[lut]") {
  test::TempDir dir;
  const auto file = dir.path() / "spacing.dcm";
  write_native(file, ramp12(), [](DcmDataset& ds) { ds.putAndInsertString(DCM_ImagerPixelSpacing, "0.2\\0.1"); });
  auto image = decode(file);
  REQUIRE(image.info.pixel_spacing);
  CHECK(image.info.pixel_spacing->row_mm == Approx(0.2));
  CHECK(image.info.pixel_spacing->column_mm == Approx(0.1));
  CHECK(image.info.pixel_spacing->source == "ImagerPixelSpacing");
  write_native(file, ramp12(), [](DcmDataset& ds) {
    ds.putAndInsertString(DCM_ImagerPixelSpacing, "0.2\\0.1");
    ds.putAndInsertString(DCM_PixelSpacing, "0.15\\0.15");
  });
  image = decode(file);
  CHECK(image.info.pixel_spacing->row_mm == Approx(0.15));
  CHECK(image.info.pixel_spacing->source == "PixelSpacing");
}
