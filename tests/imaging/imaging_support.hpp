#pragma once
// Helpers for the imaging tests: DCMTK's dcmj2pnm as the reference renderer, PNM reading,
// hand-built DICOM files for known-value tests, and simple statistics.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "osteon/core/error.hpp"
#include "osteon/imaging/image.hpp"

class DcmDataset;

namespace osteon::test::imaging {

namespace fs = std::filesystem;

/// A PGM/PPM image reduced to one luminance value per pixel (Rec. 601 for PPM), 0..maxval.
struct Pnm {
  int rows = 0, cols = 0, channels = 0, maxval = 0;
  std::vector<float> luminance;
};
std::optional<Pnm> read_pnm(const fs::path& file);

/// DCMTK's rendering of the first frame (`args` e.g. {"+Wm"}) by dcmj2pnm, or by dcml2pnm
/// (the same tool with DCMTK's JPEG-LS codec) for JPEG-LS; nullopt when DCMTK fails.
std::optional<Pnm> dcmj2pnm(const fs::path& file, const std::vector<std::string>& args, const fs::path& work_dir,
                            bool jpeg_ls = false);

/// What DCMTK says about a file (read independently of the code under test).
struct Header {
  bool readable = false, has_pixels = false;
  int rows = 0, cols = 0, frames = 1;
  std::string photometric, transfer_syntax;
  bool voi_lut = false, window = false, padding = false;
};
Header read_header(const fs::path& file);

/// Loads, edits and saves a file in its own transfer syntax.
void edit_dataset(const fs::path& file, const std::function<void(DcmDataset&)>& edit);

/// An uncompressed (explicit VR little endian) image built from raw little-endian pixel bytes.
struct NativeSpec {
  int rows = 4, cols = 4, samples = 1, frames = 1;
  int bits_allocated = 16, bits_stored = 12, high_bit = 11;
  bool is_signed = false;
  std::string photometric = "MONOCHROME2";
  int planar = 0;
  std::vector<std::uint8_t> pixel_bytes;
};
void write_native(const fs::path& file, const NativeSpec& spec,
                  const std::function<void(DcmDataset&)>& extra = {});
/// Little-endian bytes of 16-bit values.
std::vector<std::uint8_t> le16(const std::vector<int>& values);

double pearson(const std::vector<float>& a, const std::vector<float>& b);
/// max |a - b| and mean |a - b|.
std::pair<double, double> abs_diff(const std::vector<float>& a, const std::vector<float>& b);
std::vector<float> flipped_vertically(const std::vector<float>& v, int rows, int cols);

/// What osteon::Error `f` throws (code and message); throws std::runtime_error when it throws
/// nothing.
struct Thrown {
  osteon::Errc code;
  std::string message;
};
Thrown error_of(const std::function<void()>& f);

} // namespace osteon::test::imaging
