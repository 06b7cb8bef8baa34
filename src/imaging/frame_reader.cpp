// Stored sample values of one frame, from native or encapsulated pixel data.
#include "frame_reader.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <zlib.h>

#include <algorithm>

#include <fmt/format.h>

#include "attributes.hpp"
#include "encapsulated.hpp"
#include "j2k_codec.hpp"
#include "osteon/core/error.hpp"

namespace osteon::imaging::detail {
namespace {

[[noreturn]] void bad(const std::string& m) { throw Error(Errc::dicom_unparseable, m); }

// Interleaved (R1 G1 B1 R2 ...) to planar, in place.
void to_planar(std::vector<std::int32_t>& v, std::size_t pixels, int components) {
  if (components == 1) return;
  std::vector<std::int32_t> out(v.size());
  const auto k = static_cast<std::size_t>(components);
  for (std::size_t i = 0; i < pixels; ++i) {
    for (std::size_t c = 0; c < k; ++c) out[c * pixels + i] = v[i * k + c];
  }
  v.swap(out);
}

DcmPixelSequence* encapsulated_sequence(DcmElement& element) {
  auto* px = dynamic_cast<DcmPixelData*>(&element);
  if (px == nullptr) return nullptr;
  E_TransferSyntax xfer = EXS_Unknown;
  const DcmRepresentationParameter* param = nullptr;
  px->getOriginalRepresentationKey(xfer, param);
  DcmPixelSequence* seq = nullptr;
  if (px->getEncapsulatedRepresentation(xfer, param, seq).bad()) return nullptr;
  return seq;
}

DcmPixelSequence& require_sequence(DcmElement& element) {
  DcmPixelSequence* seq = encapsulated_sequence(element);
  if (seq == nullptr) bad("the transfer syntax is compressed but Pixel Data is not encapsulated");
  bool any_data = false;
  if (fragment_count(*seq, any_data) == 0 || !any_data) bad("encapsulated Pixel Data has no fragments");
  return *seq;
}

FrameSamples read_native(DcmElement& element, const PixelModule& pm, int frame) {
  if (encapsulated_sequence(element) != nullptr) bad("Pixel Data is encapsulated under an uncompressed transfer syntax");
  const std::uint8_t* bytes = nullptr;
  if (element.getVR() == EVR_OW) {
    Uint16* words = nullptr;  // host byte order, swapped by DCMTK where the file was big endian
    if (element.getUint16Array(words).bad()) bad("Pixel Data cannot be read");
    bytes = reinterpret_cast<const std::uint8_t*>(words);
  } else {
    Uint8* b = nullptr;
    if (element.getUint8Array(b).bad()) bad("Pixel Data cannot be read");
    bytes = b;
  }
  if (bytes == nullptr) bad("Pixel Data is empty");
  FrameSamples out;
  out.pixels = static_cast<std::size_t>(pm.pixels_per_frame());
  out.bits = pm.bits_stored;
  out.is_signed = pm.is_signed;
  out.color_model = pm.photometric;
  const std::uint64_t offset = static_cast<std::uint64_t>(frame) * pm.native_frame_bits();
  if (pm.subsampled_422()) {  // Y1 Y2 Cb Cr per pair of pixels: keep the luminance
    auto all = unpack_samples(bytes, offset, out.pixels * 2, pm.bits_allocated, pm.bits_stored, pm.high_bit, false);
    out.values.resize(out.pixels);
    for (std::size_t pair = 0; pair < out.pixels / 2; ++pair) {
      out.values[2 * pair] = all[4 * pair];
      out.values[2 * pair + 1] = all[4 * pair + 1];
    }
    out.color_model = "Y";
    return out;
  }
  out.components = pm.samples_per_pixel;
  out.values = unpack_samples(bytes, offset, out.pixels * static_cast<std::size_t>(out.components), pm.bits_allocated,
                              pm.bits_stored, pm.high_bit, pm.is_signed);
  if (pm.planar_configuration == 0) to_planar(out.values, out.pixels, out.components);
  return out;
}

FrameSamples read_dcmtk(DcmItem& ds, DcmElement& element, const PixelModule& pm, int frame) {
  require_sequence(element);
  auto& px = dynamic_cast<DcmPixelData&>(element);
  const std::uint64_t frame_bytes = pm.pixels_per_frame() * static_cast<std::uint64_t>(pm.samples_per_pixel) *
                                    static_cast<std::uint64_t>(pm.bits_allocated / 8);
  if (frame_bytes + 1 > 0xFFFFFFF0ull) bad("frame too large for DCMTK's decoders");
  std::vector<std::uint8_t> buffer(static_cast<std::size_t>(frame_bytes + (frame_bytes & 1)), 0);
  Uint32 start_fragment = 0;
  OFString color_model;
  const OFCondition cond = px.getUncompressedFrame(&ds, static_cast<Uint32>(frame), start_fragment, buffer.data(),
                                                   static_cast<Uint32>(buffer.size()), color_model);
  if (cond.bad()) {
    bad(fmt::format("cannot decompress frame {} ({}): {}", frame + 1, DcmXfer(pm.transfer_syntax.c_str()).getXferName(),
                    cond.text()));
  }
  FrameSamples out;
  out.pixels = static_cast<std::size_t>(pm.pixels_per_frame());
  out.components = pm.samples_per_pixel;
  out.bits = pm.bits_stored;
  out.is_signed = pm.is_signed;
  out.color_model = trimmed(std::string(color_model.c_str(), color_model.size()));
  if (out.color_model.empty()) out.color_model = pm.photometric;
  // Decoders deliver sample values in the low bits, whatever High Bit says.
  out.values = unpack_samples(buffer.data(), 0, out.pixels * static_cast<std::size_t>(out.components),
                              pm.bits_allocated, pm.bits_stored, pm.bits_stored - 1, pm.is_signed);
  Uint16 planar = 0;  // a decoder may have changed it (JPEG-LS does)
  if (out.components > 1) ds.findAndGetUint16(DCM_PlanarConfiguration, planar);
  if (planar == 0) to_planar(out.values, out.pixels, out.components);
  return out;
}

FrameSamples read_j2k(DcmElement& element, const PixelModule& pm, int frame, std::vector<std::string>& notes,
                      int threads) {
  DcmPixelSequence& seq = require_sequence(element);
  const auto bytes = encapsulated_frame(seq, frame, pm.frames);
  J2kFrame j = decode_j2k(bytes.data(), bytes.size(), pm.rows, pm.cols, pm.samples_per_pixel, threads);
  FrameSamples out;
  out.pixels = static_cast<std::size_t>(pm.pixels_per_frame());
  out.components = pm.samples_per_pixel;
  out.bits = pm.bits_stored;
  out.is_signed = pm.is_signed;
  out.color_model = (out.components == 3 && j.mct) ? std::string("RGB") : pm.photometric;
  if (j.precision != pm.bits_stored) {
    notes.push_back(fmt::format("JPEG 2000 precision {} bits, Bits Stored {}: values clamped to Bits Stored",
                                j.precision, pm.bits_stored));
  }
  const bool extend = pm.is_signed && !j.is_signed;
  if (extend) notes.push_back("JPEG 2000 codestream unsigned but Pixel Representation signed: values sign-extended");
  if (!pm.is_signed && j.is_signed) notes.push_back("JPEG 2000 codestream signed but Pixel Representation unsigned");
  const std::int64_t span = std::int64_t{1} << pm.bits_stored;
  const std::int64_t lo = pm.is_signed ? -span / 2 : 0;
  const std::int64_t hi = pm.is_signed ? span / 2 - 1 : span - 1;
  out.values.resize(out.pixels * static_cast<std::size_t>(out.components));
  for (int c = 0; c < out.components; ++c) {
    const auto& src = j.components[static_cast<std::size_t>(c)];
    std::int32_t* dst = out.values.data() + static_cast<std::size_t>(c) * out.pixels;
    for (std::size_t i = 0; i < out.pixels; ++i) {
      std::int64_t v = src[i];
      if (extend) {
        v &= span - 1;
        if (v >= span / 2) v -= span;
      }
      dst[i] = static_cast<std::int32_t>(std::clamp(v, lo, hi));
    }
  }
  return out;
}

// Deflated Image Frame Compression (1.2.840.10008.1.2.8.1): each frame is a raw deflate stream of
// the native frame bytes.
FrameSamples read_deflated(DcmElement& element, const PixelModule& pm, int frame) {
  DcmPixelSequence& seq = require_sequence(element);
  const auto compressed = encapsulated_frame(seq, frame, pm.frames);
  const std::uint64_t bytes = (pm.native_frame_bits() + 7) / 8;
  std::vector<std::uint8_t> raw(static_cast<std::size_t>(bytes) + 1);
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) throw Error(Errc::internal, "zlib inflateInit2 failed");
  z.next_in = const_cast<Bytef*>(compressed.data());
  z.avail_in = static_cast<uInt>(compressed.size());
  z.next_out = raw.data();
  z.avail_out = static_cast<uInt>(raw.size());
  const int rc = inflate(&z, Z_FINISH);
  const auto produced = z.total_out;
  inflateEnd(&z);
  if (rc != Z_STREAM_END || produced != bytes) {
    bad(fmt::format("deflated frame {} does not inflate to {} bytes (zlib {}, {} bytes)", frame + 1, bytes, rc, produced));
  }
  FrameSamples out;
  out.pixels = static_cast<std::size_t>(pm.pixels_per_frame());
  out.components = pm.samples_per_pixel;
  out.bits = pm.bits_stored;
  out.is_signed = pm.is_signed;
  out.color_model = pm.photometric;
  out.values = unpack_samples(raw.data(), 0, out.pixels * static_cast<std::size_t>(out.components), pm.bits_allocated,
                              pm.bits_stored, pm.high_bit, pm.is_signed);
  if (pm.planar_configuration == 0) to_planar(out.values, out.pixels, out.components);
  return out;
}

} // namespace

std::vector<std::int32_t> unpack_samples(const std::uint8_t* bytes, std::uint64_t bit_offset, std::size_t count,
                                         int bits_allocated, int bits_stored, int high_bit, bool is_signed) {
  std::vector<std::int32_t> out(count);
  const int shift = high_bit + 1 - bits_stored;
  const std::uint32_t mask = bits_stored >= 32 ? 0xFFFFFFFFu : ((1u << bits_stored) - 1u);
  const std::uint32_t sign = 1u << (bits_stored - 1);
  const auto finish = [&](std::uint32_t raw) {
    const std::uint32_t v = (raw >> shift) & mask;
    if (is_signed && (v & sign)) return static_cast<std::int32_t>(static_cast<std::int64_t>(v) - (std::int64_t{1} << bits_stored));
    return static_cast<std::int32_t>(v);
  };
  if (bits_allocated == 8 && bit_offset % 8 == 0) {
    const std::uint8_t* p = bytes + bit_offset / 8;
    for (std::size_t i = 0; i < count; ++i) out[i] = finish(p[i]);
  } else if (bits_allocated == 16 && bit_offset % 8 == 0) {
    const std::uint8_t* p = bytes + bit_offset / 8;
    if (shift == 0 && !is_signed && bits_stored == 16) {
      for (std::size_t i = 0; i < count; ++i) out[i] = static_cast<std::int32_t>(p[2 * i] | (p[2 * i + 1] << 8));
    } else {
      for (std::size_t i = 0; i < count; ++i) {
        out[i] = finish(static_cast<std::uint32_t>(p[2 * i]) | static_cast<std::uint32_t>(p[2 * i + 1]) << 8);
      }
    }
  } else {  // bit-packed (1 or 12 bits allocated): little-endian bit stream, least significant bit first
    const auto ba = static_cast<std::uint64_t>(bits_allocated);
    const std::uint32_t word_mask = (1u << bits_allocated) - 1u;
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint64_t bit = bit_offset + i * ba;
      const std::uint64_t first = bit / 8, last = (bit + ba - 1) / 8;
      std::uint32_t window = 0;
      for (std::uint64_t b = last + 1; b-- > first;) window = (window << 8) | bytes[b];
      out[i] = finish((window >> (bit % 8)) & word_mask);
    }
  }
  return out;
}

FrameSamples read_frame(DcmItem& ds, DcmElement& pixel_data, const PixelModule& pm, int frame,
                        std::vector<std::string>& notes, int codec_threads) {
  switch (pm.encoding) {
    case Encoding::native: return read_native(pixel_data, pm, frame);
    case Encoding::dcmtk_codec: return read_dcmtk(ds, pixel_data, pm, frame);
    case Encoding::jpeg2000: return read_j2k(pixel_data, pm, frame, notes, codec_threads);
    case Encoding::deflated_frames: return read_deflated(pixel_data, pm, frame);
  }
  bad("unknown encoding");
}

} // namespace osteon::imaging::detail
