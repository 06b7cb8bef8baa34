// Reading and validating the Image Pixel module (PS3.3 C.7.6.3).
#include "pixel_module.hpp"

#include "attributes.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "osteon/core/error.hpp"

namespace osteon::imaging::detail {
namespace {

[[noreturn]] void bad(const std::string& message) { throw Error(Errc::dicom_unparseable, message); }

// A US attribute; false when absent or empty.
bool get_us(DcmItem& ds, const DcmTagKey& tag, int& value) {
  const auto w = word_value(ds, tag);
  if (!w) return false;
  value = *w;
  return true;
}

std::uint64_t checked_product(std::initializer_list<std::uint64_t> factors, bool& overflow) {
  std::uint64_t p = 1;
  for (const auto f : factors) {
    if (__builtin_mul_overflow(p, f, &p)) overflow = true;
  }
  return p;
}

} // namespace

std::uint64_t PixelModule::native_frame_bits() const {
  const std::uint64_t samples = subsampled_422() ? 2 : static_cast<std::uint64_t>(samples_per_pixel);
  return pixels_per_frame() * samples * static_cast<std::uint64_t>(bits_allocated);
}

Encoding classify_transfer_syntax(const std::string& uid) {
  static constexpr std::array<std::string_view, 4> native{
      "1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"};
  static constexpr std::array<std::string_view, 7> dcmtk{
      "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57",
      "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81",
      "1.2.840.10008.1.2.5"};
  static constexpr std::array<std::string_view, 5> j2k{
      "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.201",
      "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203"};
  for (auto u : native) if (u == uid) return Encoding::native;
  for (auto u : dcmtk) if (u == uid) return Encoding::dcmtk_codec;
  for (auto u : j2k) if (u == uid) return Encoding::jpeg2000;
  if (uid == "1.2.840.10008.1.2.8.1") return Encoding::deflated_frames;  // Deflated Image Frame Compression
  bad(fmt::format("transfer syntax {} is not supported for pixel decoding", uid.empty() ? "(none)" : uid));
}

PixelModule read_pixel_module(DcmItem& ds, const std::string& transfer_syntax, std::uint64_t max_pixels,
                              std::optional<std::uint64_t> native_bytes) {
  PixelModule pm;
  pm.transfer_syntax = transfer_syntax;
  pm.encoding = classify_transfer_syntax(transfer_syntax);
  if (!get_us(ds, DCM_Rows, pm.rows) || !get_us(ds, DCM_Columns, pm.cols)) bad("Rows or Columns is missing");
  if (pm.rows == 0 || pm.cols == 0) bad(fmt::format("the image has no pixels (Rows {}, Columns {})", pm.rows, pm.cols));
  if (!get_us(ds, DCM_SamplesPerPixel, pm.samples_per_pixel)) pm.samples_per_pixel = 1;
  if (!get_us(ds, DCM_BitsAllocated, pm.bits_allocated)) bad("Bits Allocated is missing");
  if (!get_us(ds, DCM_BitsStored, pm.bits_stored)) pm.bits_stored = pm.bits_allocated;
  if (!get_us(ds, DCM_HighBit, pm.high_bit)) pm.high_bit = pm.bits_stored - 1;
  int representation = 0;
  get_us(ds, DCM_PixelRepresentation, representation);
  pm.is_signed = representation == 1;
  if (pm.samples_per_pixel > 1) get_us(ds, DCM_PlanarConfiguration, pm.planar_configuration);
  pm.photometric = text_value(ds, DCM_PhotometricInterpretation).value_or("");
  if (pm.photometric.empty() && pm.samples_per_pixel == 1) pm.photometric = "MONOCHROME2";
  if (const auto frames = number_value(ds, DCM_NumberOfFrames); frames && *frames > 1) {
    if (*frames > 2147483647.0 || *frames != std::floor(*frames)) bad("Number of Frames is invalid");
    pm.frames = static_cast<int>(*frames);
  }

  if (pm.samples_per_pixel != 1 && pm.samples_per_pixel != 3) {
    bad(fmt::format("{} samples per pixel are not supported", pm.samples_per_pixel));
  }
  if (pm.bits_allocated != 1 && pm.bits_allocated != 8 && pm.bits_allocated != 12 && pm.bits_allocated != 16) {
    bad(fmt::format("Bits Allocated {} is not supported (1, 8, 12 or 16)", pm.bits_allocated));
  }
  if (pm.bits_stored < 1 || pm.bits_stored > pm.bits_allocated || pm.high_bit >= pm.bits_allocated ||
      pm.high_bit + 1 < pm.bits_stored) {
    bad(fmt::format("inconsistent bit layout: Bits Allocated {}, Bits Stored {}, High Bit {}",
                    pm.bits_allocated, pm.bits_stored, pm.high_bit));
  }
  if (representation != 0 && representation != 1) bad(fmt::format("Pixel Representation {} is invalid", representation));
  if (pm.planar_configuration != 0 && pm.planar_configuration != 1) {
    bad(fmt::format("Planar Configuration {} is invalid", pm.planar_configuration));
  }
  const bool mono = pm.monochrome();
  const bool palette = pm.photometric == "PALETTE COLOR";
  const bool colour = pm.photometric == "RGB" || pm.photometric.rfind("YBR_", 0) == 0;
  if (!mono && !palette && !colour) bad(fmt::format("Photometric Interpretation '{}' is not supported", pm.photometric));
  if ((mono || palette) != (pm.samples_per_pixel == 1)) {
    bad(fmt::format("Photometric Interpretation {} with {} samples per pixel", pm.photometric, pm.samples_per_pixel));
  }
  if (pm.subsampled_422() && pm.encoding == Encoding::native && pm.cols % 2 != 0) {
    bad("YBR 4:2:2 pixel data needs an even number of columns");
  }
  if ((pm.encoding == Encoding::dcmtk_codec || pm.encoding == Encoding::jpeg2000) && pm.bits_allocated % 8 != 0) {
    bad(fmt::format("Bits Allocated {} cannot be compressed", pm.bits_allocated));
  }

  bool overflow = false;
  const std::uint64_t total = checked_product(
      {static_cast<std::uint64_t>(pm.rows), static_cast<std::uint64_t>(pm.cols), static_cast<std::uint64_t>(pm.frames)},
      overflow);
  if (native_bytes) {
    // Compare with what is there first: a header promising gigapixels over a few kilobytes of
    // data is corrupt, not merely large.
    const std::uint64_t samples = pm.subsampled_422() ? 2 : static_cast<std::uint64_t>(pm.samples_per_pixel);
    const std::uint64_t bits = checked_product({total, samples, static_cast<std::uint64_t>(pm.bits_allocated)}, overflow);
    if (*native_bytes == 0) bad("Pixel Data is empty");
    if (overflow || (bits + 7) / 8 > *native_bytes) {
      bad(fmt::format("Pixel Data is truncated or inconsistent: {} bytes, but {} x {} pixels x {} frames x {} "
                      "samples at {} bits need {}",
                      *native_bytes, pm.rows, pm.cols, pm.frames, samples, pm.bits_allocated,
                      overflow ? std::string("more than 2^64 bits") : std::to_string((bits + 7) / 8)));
    }
  }
  if (overflow || total > max_pixels) {
    throw Error(Errc::out_of_resources,
                fmt::format("image of {} x {} pixels x {} frames exceeds the limit of {} pixels", pm.rows,
                            pm.cols, pm.frames, max_pixels));
  }
  return pm;
}

} // namespace osteon::imaging::detail
