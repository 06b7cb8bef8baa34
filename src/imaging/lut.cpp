// Reading Modality, VOI and palette LUTs, with the usual repairs of real-world descriptors.
#include "lut.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcsequen.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>

#include <fmt/format.h>

#include "osteon/core/error.hpp"

namespace osteon::imaging::detail {
namespace {

[[noreturn]] void bad(const std::string& m) { throw Error(Errc::dicom_unparseable, m); }

// The three descriptor values as raw 16-bit patterns (US or SS encoding).
std::array<std::uint16_t, 3> descriptor(DcmItem& item, const DcmTagKey& tag, bool& encoded_signed) {
  std::array<std::uint16_t, 3> d{};
  encoded_signed = false;
  for (unsigned long i = 0; i < 3; ++i) {
    Uint16 u = 0;
    Sint16 s = 0;
    if (item.findAndGetUint16(tag, u, i).good()) {
      d[i] = u;
    } else if (item.findAndGetSint16(tag, s, i).good()) {
      d[i] = static_cast<std::uint16_t>(s);
      encoded_signed = true;
    } else {
      bad(fmt::format("LUT Descriptor {} lacks value {}", tag.toString().c_str(), i + 1));
    }
  }
  return d;
}

std::vector<std::uint16_t> lut_data(DcmItem& item, const DcmTagKey& tag, std::size_t entries, int bits) {
  const Uint16* data = nullptr;
  unsigned long count = 0;
  if (item.findAndGetUint16Array(tag, data, &count).bad() || data == nullptr || count == 0) {
    bad(fmt::format("LUT Data {} is missing or empty", tag.toString().c_str()));
  }
  std::vector<std::uint16_t> out;
  if (count >= entries) {
    out.assign(data, data + entries);
  } else if (bits <= 8 && count * 2 >= entries) {  // 8-bit entries packed two per word
    out.resize(entries);
    for (std::size_t i = 0; i < entries; ++i) {
      out[i] = static_cast<std::uint16_t>(i % 2 == 0 ? data[i / 2] & 0xFF : data[i / 2] >> 8);
    }
  } else {
    bad(fmt::format("LUT Data {} has {} entries, the descriptor says {}", tag.toString().c_str(), count, entries));
  }
  return out;
}

Lut make_lut(DcmItem& item, const DcmTagKey& desc_tag, const DcmTagKey& data_tag, bool signed_input,
             std::vector<std::string>* notes) {
  bool encoded_signed = false;
  const auto d = descriptor(item, desc_tag, encoded_signed);
  Lut lut;
  const std::size_t entries = d[0] == 0 ? 65536 : d[0];
  lut.first_mapped = (signed_input || encoded_signed) ? static_cast<std::int16_t>(d[1]) : static_cast<std::int32_t>(d[1]);
  lut.bits = (d[2] >= 1 && d[2] <= 16) ? d[2] : 16;
  lut.entries = lut_data(item, data_tag, entries, lut.bits);
  const std::uint16_t top = *std::max_element(lut.entries.begin(), lut.entries.end());
  if (top > lut.max_output()) {
    const int actual = std::bit_width(top);
    if (notes) notes->push_back(fmt::format("LUT entries need {} bits, descriptor says {}", actual, lut.bits));
    lut.bits = actual;
  }
  return lut;
}

// Segmented palette data (PS3.3 C.7.9.2): discrete (0), linear (1) and indirect (2) segments.
std::vector<std::uint16_t> expand_segments(const Uint16* seg, unsigned long count, std::size_t entries) {
  std::vector<std::uint16_t> out;
  out.reserve(entries);
  unsigned long i = 0;
  while (i + 1 < count && out.size() < entries) {
    const std::uint16_t op = seg[i];
    const std::uint16_t n = seg[i + 1];
    if (op == 0) {
      if (i + 2 + n > count) bad("segmented palette: discrete segment overruns the data");
      out.insert(out.end(), seg + i + 2, seg + i + 2 + n);
      i += 2 + n;
    } else if (op == 1) {
      if (out.empty() || i + 2 >= count) bad("segmented palette: linear segment without a start value");
      const double y0 = out.back(), y1 = seg[i + 2];
      for (std::uint16_t k = 1; k <= n; ++k) {
        out.push_back(static_cast<std::uint16_t>(std::lround(y0 + (y1 - y0) * k / n)));
      }
      i += 3;
    } else {
      bad(fmt::format("segmented palette: segment type {} is not supported", op));
    }
  }
  if (out.size() < entries) bad("segmented palette data ends early");
  out.resize(entries);
  return out;
}

} // namespace

std::uint16_t Lut::lookup(double x) const {
  const double index = std::floor(x + 0.5) - first_mapped;
  if (!(index > 0)) return entries.front();
  if (index >= static_cast<double>(entries.size() - 1)) return entries.back();
  return entries[static_cast<std::size_t>(index)];
}

std::optional<Lut> read_lut_sequence(DcmItem& ds, const DcmTagKey& sequence, bool signed_input,
                                     std::vector<std::string>& notes) {
  DcmItem* item = nullptr;
  if (ds.findAndGetSequenceItem(sequence, item, 0).bad() || item == nullptr) return std::nullopt;
  Lut lut = make_lut(*item, DCM_LUTDescriptor, DCM_LUTData, signed_input, &notes);
  OFString explanation;
  if (item->findAndGetOFString(DCM_LUTExplanation, explanation).good()) lut.explanation = explanation.c_str();
  return lut;
}

Lut read_palette(DcmItem& ds, int channel) {
  static const std::array<DcmTagKey, 3> desc{DCM_RedPaletteColorLookupTableDescriptor,
                                             DCM_GreenPaletteColorLookupTableDescriptor,
                                             DCM_BluePaletteColorLookupTableDescriptor};
  static const std::array<DcmTagKey, 3> data{DCM_RedPaletteColorLookupTableData, DCM_GreenPaletteColorLookupTableData,
                                             DCM_BluePaletteColorLookupTableData};
  static const std::array<DcmTagKey, 3> segmented{DCM_SegmentedRedPaletteColorLookupTableData,
                                                  DCM_SegmentedGreenPaletteColorLookupTableData,
                                                  DCM_SegmentedBluePaletteColorLookupTableData};
  const auto c = static_cast<std::size_t>(channel);
  if (ds.tagExistsWithValue(data[c])) return make_lut(ds, desc[c], data[c], false, nullptr);
  const Uint16* seg = nullptr;
  unsigned long count = 0;
  if (ds.findAndGetUint16Array(segmented[c], seg, &count).bad() || seg == nullptr) {
    bad("PALETTE COLOR without palette lookup table data");
  }
  bool encoded_signed = false;
  const auto d = descriptor(ds, desc[c], encoded_signed);
  Lut lut;
  lut.first_mapped = d[1];
  lut.bits = (d[2] >= 1 && d[2] <= 16) ? d[2] : 16;
  lut.entries = expand_segments(seg, count, d[0] == 0 ? 65536 : d[0]);
  return lut;
}

} // namespace osteon::imaging::detail
