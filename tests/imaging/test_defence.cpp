// Bad input gives a clear osteon::Error, never a crash: empty, truncated, inconsistent,
// oversized and corrupt pixel data, and options that do not fit the object.
#include <catch2/catch.hpp>

#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmdata/dcpxitem.h>

#include <fstream>

#include <osteon/synth/dx_writer.hpp>

#include "imaging_support.hpp"
#include "osteon/imaging/decoder.hpp"
#include "osteon/imaging/j2k_writer.hpp"
#include "process.hpp"

using namespace osteon;
using namespace osteon::test::imaging;

namespace {

Thrown decode_error(const fs::path& file, const imaging::DecodeOptions& o = {}) {
  return error_of([&] { imaging::decode_file(file, o); });
}

NativeSpec small() {
  NativeSpec s;
  s.rows = 8;
  s.cols = 8;
  s.pixel_bytes = le16(std::vector<int>(64, 100));
  return s;
}

// Replaces the pixel data of a compressed file with one fragment of `bytes`.
void replace_fragments(const fs::path& file, const std::vector<std::vector<Uint8>>& fragments) {
  edit_dataset(file, [&](DcmDataset& ds) {
    DcmElement* e = nullptr;
    ds.findAndGetElement(DCM_PixelData, e);
    auto* px = dynamic_cast<DcmPixelData*>(e);
    E_TransferSyntax xfer = EXS_Unknown;
    const DcmRepresentationParameter* param = nullptr;
    px->getOriginalRepresentationKey(xfer, param);
    auto* seq = new DcmPixelSequence(DCM_PixelSequenceTag);
    seq->insert(new DcmPixelItem(DCM_PixelItemTag));
    for (const auto& f : fragments) {
      auto* item = new DcmPixelItem(DCM_PixelItemTag);
      item->putUint8Array(f.data(), static_cast<unsigned long>(f.size()));
      seq->insert(item);
    }
    px->putOriginalRepresentation(xfer, param, seq);
  });
}

} // namespace

TEST_CASE("a file without pixel data, a missing file and a non-DICOM file are told apart", "[defence]") {
  test::TempDir dir;
  const auto header_only = dir.path() / "header.dcm";
  write_native(header_only, small(), [](DcmDataset& ds) { ds.findAndDeleteElement(DCM_PixelData); });
  CHECK(decode_error(header_only).code == Errc::not_found);
  CHECK(decode_error(dir.path() / "absent.dcm").code == Errc::not_found);
  const auto junk = dir.path() / "junk.dcm";
  std::ofstream(junk, std::ios::binary) << std::string(1000, '\x7f') << "not dicom";
  CHECK(decode_error(junk).code == Errc::dicom_unparseable);
}

TEST_CASE("empty and truncated native pixel data are refused with the sizes in the message", "[defence]") {
  test::TempDir dir;
  const auto file = dir.path() / "bad.dcm";
  SECTION("zero length") {
    auto s = small();
    s.pixel_bytes.clear();
    write_native(file, s);
    const auto e = decode_error(file);
    CHECK(e.code == Errc::dicom_unparseable);
    CHECK_THAT(e.message, Catch::Contains("empty"));
  }
  SECTION("half the bytes") {
    auto s = small();
    s.pixel_bytes.resize(64);
    write_native(file, s);
    const auto e = decode_error(file);
    CHECK(e.code == Errc::dicom_unparseable);
    CHECK_THAT(e.message, Catch::Contains("64 bytes") && Catch::Contains("need 128"));
  }
  SECTION("fewer frames than Number of Frames says") {
    auto s = small();
    s.frames = 3;
    s.pixel_bytes = le16(std::vector<int>(128, 1));
    write_native(file, s);
    CHECK(decode_error(file).code == Errc::dicom_unparseable);
  }
}

TEST_CASE("rows x columns x frames is computed without overflow and bounded by the limit", "[defence]") {
  test::TempDir dir;
  const auto file = dir.path() / "huge.dcm";
  SECTION("65535 x 65535 x 2^31-1 frames over a few bytes") {
    write_native(file, small(), [](DcmDataset& ds) {
      ds.putAndInsertUint16(DCM_Rows, 65535);
      ds.putAndInsertUint16(DCM_Columns, 65535);
      ds.putAndInsertString(DCM_NumberOfFrames, "2147483647");
    });
    const auto e = decode_error(file);
    CHECK(e.code == Errc::dicom_unparseable);
    CHECK_THAT(e.message, Catch::Contains("truncated or inconsistent"));
  }
  SECTION("a consistent image above the configured limit") {
    write_native(file, small());
    imaging::DecodeOptions o;
    o.max_pixels = 63;
    const auto e = decode_error(file, o);
    CHECK(e.code == Errc::out_of_resources);
    CHECK_THAT(e.message, Catch::Contains("limit"));
    o.max_pixels = 64;
    CHECK_NOTHROW(imaging::decode_file(file, o));
  }
  SECTION("a compressed image above the limit is refused before decompression") {
    synth::write_dx(file, {}, synth::make_test_pattern(64, 64, 12, 1), synth::Encoding::jpeg_lossless);
    edit_dataset(file, [](DcmDataset& ds) { ds.putAndInsertString(DCM_NumberOfFrames, "2147483647"); });
    CHECK(decode_error(file).code == Errc::out_of_resources);
  }
}

TEST_CASE("inconsistent pixel module attributes are refused", "[defence]") {
  test::TempDir dir;
  const auto file = dir.path() / "bad.dcm";
  const std::vector<std::pair<std::string, std::function<void(DcmDataset&)>>> cases{
      {"Bits Stored above Bits Allocated", [](DcmDataset& ds) { ds.putAndInsertUint16(DCM_BitsStored, 17); }},
      {"High Bit below Bits Stored", [](DcmDataset& ds) { ds.putAndInsertUint16(DCM_HighBit, 3); }},
      {"Bits Allocated 32", [](DcmDataset& ds) { ds.putAndInsertUint16(DCM_BitsAllocated, 32); }},
      {"Rows 0", [](DcmDataset& ds) { ds.putAndInsertUint16(DCM_Rows, 0); }},
      {"no Rows", [](DcmDataset& ds) { ds.findAndDeleteElement(DCM_Rows); }},
      {"RGB with one sample", [](DcmDataset& ds) { ds.putAndInsertString(DCM_PhotometricInterpretation, "RGB"); }},
      {"unknown photometric", [](DcmDataset& ds) { ds.putAndInsertString(DCM_PhotometricInterpretation, "CMYK"); }},
      {"Pixel Representation 2", [](DcmDataset& ds) { ds.putAndInsertUint16(DCM_PixelRepresentation, 2); }},
  };
  for (const auto& [name, edit] : cases) {
    INFO(name);
    write_native(file, small(), edit);
    CHECK(decode_error(file).code == Errc::dicom_unparseable);
  }
}

TEST_CASE("options that do not fit the object are refused as invalid arguments", "[defence]") {
  test::TempDir dir;
  const auto file = dir.path() / "ok.dcm";
  write_native(file, small());
  imaging::DecodeOptions o;
  o.frame = 1;
  CHECK(decode_error(file, o).code == Errc::invalid_argument);
  o = {};
  o.frame = -1;
  CHECK(decode_error(file, o).code == Errc::invalid_argument);
  o = {};
  o.window = imaging::Window{100, 0};
  CHECK(decode_error(file, o).code == Errc::invalid_argument);
  o = {};
  o.auto_window_low_percent = 60;
  o.auto_window_high_percent = 40;
  CHECK(decode_error(file, o).code == Errc::invalid_argument);
}

TEST_CASE("corrupt, empty or mismatched compressed frames are refused, never decoded as garbage", "[defence]") {
  test::TempDir dir;
  const auto pattern = synth::make_test_pattern(64, 48, 12, 5);
  const auto native = dir.path() / "native.dcm";
  synth::write_dx(native, {}, pattern);
  for (const auto encoding : {synth::Encoding::jpeg_lossless, synth::Encoding::jpeg_ls_lossless}) {
    INFO(synth::encoding_name(encoding));
    const auto file = dir.path() / "c.dcm";
    synth::write_dx(file, {}, pattern, encoding);
    replace_fragments(file, {std::vector<Uint8>(200, 0x5A)});
    CHECK(decode_error(file).code == Errc::dicom_unparseable);
    replace_fragments(file, {});
    CHECK_THAT(decode_error(file).message, Catch::Contains("no fragments"));
  }
  const auto j2k = dir.path() / "j2k.dcm";
  imaging::write_jpeg2000_copy(native, j2k);
  SECTION("JPEG 2000 codestream cut in half") {
    edit_dataset(j2k, [](DcmDataset&) {});
    DcmFileFormat ff;
    ff.loadFile(j2k.c_str());
    ff.loadAllDataIntoMemory();
    DcmElement* e = nullptr;
    ff.getDataset()->findAndGetElement(DCM_PixelData, e);
    DcmPixelSequence* seq = nullptr;
    dynamic_cast<DcmPixelData*>(e)->getEncapsulatedRepresentation(EXS_JPEG2000LosslessOnly, nullptr, seq);
    DcmPixelItem* item = nullptr;
    seq->getItem(item, 1);
    Uint8* bytes = nullptr;
    item->getUint8Array(bytes);
    std::vector<Uint8> half(bytes, bytes + item->getLength() / 2);
    replace_fragments(j2k, {half});
    CHECK(decode_error(j2k).code == Errc::dicom_unparseable);
  }
  SECTION("JPEG 2000 codestream of another size than Rows x Columns") {
    edit_dataset(j2k, [](DcmDataset& ds) { ds.putAndInsertUint16(DCM_Rows, 32); });
    CHECK_THAT(decode_error(j2k).message, Catch::Contains("header says"));
  }
  SECTION("not a codestream at all") {
    replace_fragments(j2k, {std::vector<Uint8>(100, 0)});
    CHECK_THAT(decode_error(j2k).message, Catch::Contains("JPEG 2000"));
  }
}

TEST_CASE("a data set nested deeper than the limit is refused before DCMTK parses it", "[defence]") {
  test::TempDir dir;
  const auto file = dir.path() / "deep.dcm";
  std::string s;
  const auto put16 = [&](std::uint16_t v) {
    s.push_back(static_cast<char>(v & 0xFF));
    s.push_back(static_cast<char>(v >> 8));
  };
  for (int i = 0; i < 20000; ++i) {  // (0040,A730) SQ, undefined length, one item of undefined length
    put16(0x0040), put16(0xA730), s += "SQ", put16(0), put16(0xFFFF), put16(0xFFFF);
    put16(0xFFFE), put16(0xE000), put16(0xFFFF), put16(0xFFFF);
  }
  std::ofstream(file, std::ios::binary) << s;
  CHECK(decode_error(file).code == Errc::dicom_unparseable);
}
