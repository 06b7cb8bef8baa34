#include "imaging_support.hpp"

#include <dcmtk/dcmdata/dctk.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "osteon/core/error.hpp"
#include "process.hpp"

namespace osteon::test::imaging {

std::optional<Pnm> read_pnm(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string magic;
  if (!(in >> magic) || (magic != "P5" && magic != "P6")) return std::nullopt;
  const auto next_int = [&]() {
    int v = -1;
    while (in >> std::ws && in.peek() == '#') {
      std::string comment;
      std::getline(in, comment);
    }
    in >> v;
    return v;
  };
  Pnm p;
  p.channels = magic == "P5" ? 1 : 3;
  p.cols = next_int();
  p.rows = next_int();
  p.maxval = next_int();
  in.get();  // the single whitespace after maxval
  if (p.rows <= 0 || p.cols <= 0 || p.maxval <= 0) return std::nullopt;
  const std::size_t bytes_per = p.maxval > 255 ? 2 : 1;
  const std::size_t n = static_cast<std::size_t>(p.rows) * static_cast<std::size_t>(p.cols);
  std::vector<unsigned char> raw(n * static_cast<std::size_t>(p.channels) * bytes_per);
  if (!in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size()))) return std::nullopt;
  const auto sample = [&](std::size_t i) {
    return bytes_per == 2 ? static_cast<float>(raw[2 * i] << 8 | raw[2 * i + 1]) : static_cast<float>(raw[i]);
  };
  p.luminance.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    p.luminance[i] = p.channels == 1 ? sample(i)
                                     : 0.299f * sample(3 * i) + 0.587f * sample(3 * i + 1) + 0.114f * sample(3 * i + 2);
  }
  return p;
}

std::optional<Pnm> dcmj2pnm(const fs::path& file, const std::vector<std::string>& args, const fs::path& work_dir,
                            bool jpeg_ls) {
  const fs::path out = work_dir / (file.stem().string() + ".pnm");
  std::vector<std::string> argv{jpeg_ls ? "dcml2pnm" : "dcmj2pnm", "-q", "+op"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(file.string());
  argv.push_back(out.string());
  const auto r = run(argv, std::chrono::seconds(60));
  if (r.exit_code != 0) return std::nullopt;
  return read_pnm(out);
}

Header read_header(const fs::path& file) {
  Header h;
  DcmFileFormat ff;
  if (ff.loadFile(file.c_str()).bad()) return h;
  h.readable = true;
  DcmDataset* ds = ff.getDataset();
  h.has_pixels = ds->tagExists(DCM_PixelData);
  Uint16 v = 0;
  if (ds->findAndGetUint16(DCM_Rows, v).good()) h.rows = v;
  if (ds->findAndGetUint16(DCM_Columns, v).good()) h.cols = v;
  Sint32 frames = 1;
  if (ds->findAndGetSint32(DCM_NumberOfFrames, frames).good() && frames > 1) h.frames = frames;
  OFString s;
  if (ds->findAndGetOFString(DCM_PhotometricInterpretation, s).good()) h.photometric = s.c_str();
  if (ff.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, s).good()) h.transfer_syntax = s.c_str();
  h.voi_lut = ds->tagExists(DCM_VOILUTSequence);
  Float64 f = 0;  // a window DCMTK can use (not one hidden in a UN value)
  h.window = ds->findAndGetFloat64(DCM_WindowCenter, f).good() && ds->findAndGetFloat64(DCM_WindowWidth, f).good();
  h.padding = ds->tagExists(DCM_PixelPaddingValue);
  return h;
}

void edit_dataset(const fs::path& file, const std::function<void(DcmDataset&)>& edit) {
  DcmFileFormat ff;
  if (ff.loadFile(file.c_str()).bad()) throw std::runtime_error("cannot load " + file.string());
  ff.loadAllDataIntoMemory();
  const E_TransferSyntax xfer = ff.getDataset()->getOriginalXfer();
  edit(*ff.getDataset());
  if (ff.saveFile(file.c_str(), xfer).bad()) throw std::runtime_error("cannot save " + file.string());
}

void write_native(const fs::path& file, const NativeSpec& s, const std::function<void(DcmDataset&)>& extra) {
  DcmFileFormat ff;
  DcmDataset* ds = ff.getDataset();
  char uid[100];
  ds->putAndInsertString(DCM_SOPClassUID, UID_SecondaryCaptureImageStorage);
  ds->putAndInsertString(DCM_SOPInstanceUID, dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT));
  ds->putAndInsertString(DCM_Modality, "OT");
  ds->putAndInsertUint16(DCM_Rows, static_cast<Uint16>(s.rows));
  ds->putAndInsertUint16(DCM_Columns, static_cast<Uint16>(s.cols));
  ds->putAndInsertUint16(DCM_SamplesPerPixel, static_cast<Uint16>(s.samples));
  ds->putAndInsertString(DCM_PhotometricInterpretation, s.photometric.c_str());
  ds->putAndInsertUint16(DCM_BitsAllocated, static_cast<Uint16>(s.bits_allocated));
  ds->putAndInsertUint16(DCM_BitsStored, static_cast<Uint16>(s.bits_stored));
  ds->putAndInsertUint16(DCM_HighBit, static_cast<Uint16>(s.high_bit));
  ds->putAndInsertUint16(DCM_PixelRepresentation, s.is_signed ? 1 : 0);
  if (s.samples > 1) ds->putAndInsertUint16(DCM_PlanarConfiguration, static_cast<Uint16>(s.planar));
  if (s.frames > 1) ds->putAndInsertString(DCM_NumberOfFrames, std::to_string(s.frames).c_str());
  if (s.bits_allocated == 16 && s.pixel_bytes.size() % 2 == 0) {
    std::vector<Uint16> words(s.pixel_bytes.size() / 2);
    for (std::size_t i = 0; i < words.size(); ++i) {
      words[i] = static_cast<Uint16>(s.pixel_bytes[2 * i] | s.pixel_bytes[2 * i + 1] << 8);
    }
    ds->putAndInsertUint16Array(DCM_PixelData, words.data(), static_cast<unsigned long>(words.size()));
  } else {
    ds->putAndInsertUint8Array(DCM_PixelData, s.pixel_bytes.data(), static_cast<unsigned long>(s.pixel_bytes.size()));
  }
  if (extra) extra(*ds);
  if (ff.saveFile(file.c_str(), EXS_LittleEndianExplicit).bad()) throw std::runtime_error("cannot write " + file.string());
}

std::vector<std::uint8_t> le16(const std::vector<int>& values) {
  std::vector<std::uint8_t> out;
  for (int v : values) {
    const auto u = static_cast<std::uint16_t>(v);
    out.push_back(static_cast<std::uint8_t>(u & 0xFF));
    out.push_back(static_cast<std::uint8_t>(u >> 8));
  }
  return out;
}

double pearson(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size() || a.empty()) return 0.0;
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ma += a[i];
    mb += b[i];
  }
  ma /= static_cast<double>(a.size());
  mb /= static_cast<double>(b.size());
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  if (saa == 0 && sbb == 0) return 1.0;  // both flat
  if (saa == 0 || sbb == 0) return 0.0;
  return sab / std::sqrt(saa * sbb);
}

std::pair<double, double> abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return {INFINITY, INFINITY};
  double mx = 0, sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = std::fabs(static_cast<double>(a[i]) - b[i]);
    mx = std::max(mx, d);
    sum += d;
  }
  return {mx, a.empty() ? 0.0 : sum / static_cast<double>(a.size())};
}

std::vector<float> flipped_vertically(const std::vector<float>& v, int rows, int cols) {
  std::vector<float> out(v.size());
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      out[static_cast<std::size_t>(r) * cols + c] = v[static_cast<std::size_t>(rows - 1 - r) * cols + c];
    }
  }
  return out;
}

Thrown error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return Thrown{e.code(), e.what()};
  }
  throw std::runtime_error("expected an osteon::Error, nothing was thrown");
}

} // namespace osteon::test::imaging
