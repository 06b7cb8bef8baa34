// Frames of encapsulated pixel data, from the Basic Offset Table or the fragments themselves.
#include "encapsulated.hpp"

#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>

#include <cstring>
#include <string>

#include <fmt/format.h>

#include "osteon/core/error.hpp"

namespace osteon::imaging::detail {
namespace {

struct Fragment {
  const std::uint8_t* data = nullptr;
  std::uint32_t length = 0;
  std::uint64_t offset = 0;  // of its item tag, relative to the first fragment's (as the BOT counts)
};

[[noreturn]] void bad(const std::string& m) { throw Error(Errc::dicom_unparseable, m); }

std::vector<Fragment> fragments_of(DcmPixelSequence& seq, std::vector<std::uint32_t>& offset_table) {
  std::vector<Fragment> out;
  const unsigned long n = seq.card();
  std::uint64_t position = 0;
  for (unsigned long i = 0; i < n; ++i) {
    DcmPixelItem* item = nullptr;
    if (seq.getItem(item, i).bad() || item == nullptr) bad("unreadable pixel data fragment");
    Uint8* bytes = nullptr;
    const Uint32 length = item->getLength();
    if (length > 0 && (item->getUint8Array(bytes).bad() || bytes == nullptr)) bad("unreadable pixel data fragment");
    if (i == 0) {  // Basic Offset Table
      for (Uint32 k = 0; k + 4 <= length; k += 4) {
        offset_table.push_back(static_cast<std::uint32_t>(bytes[k]) | static_cast<std::uint32_t>(bytes[k + 1]) << 8 |
                               static_cast<std::uint32_t>(bytes[k + 2]) << 16 |
                               static_cast<std::uint32_t>(bytes[k + 3]) << 24);
      }
      continue;
    }
    out.push_back({bytes, length, position});
    position += 8 + static_cast<std::uint64_t>(length);
  }
  return out;
}

bool starts_codestream(const Fragment& f) {
  static constexpr std::uint8_t jp2[] = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' '};
  if (f.length >= 2 && f.data[0] == 0xFF && f.data[1] == 0x4F) return true;
  return f.length >= sizeof jp2 && std::memcmp(f.data, jp2, sizeof jp2) == 0;
}

// [first, last) fragment indices of each frame; empty when the offset table does not fit.
std::vector<std::pair<std::size_t, std::size_t>> from_offset_table(const std::vector<Fragment>& frags,
                                                                   const std::vector<std::uint32_t>& table,
                                                                   int frames) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  if (table.size() != static_cast<std::size_t>(frames)) return {};
  std::size_t index = 0;
  for (std::size_t f = 0; f < table.size(); ++f) {
    while (index < frags.size() && frags[index].offset < table[f]) ++index;
    if (index == frags.size() || frags[index].offset != table[f]) return {};
    if (!out.empty()) out.back().second = index;
    out.emplace_back(index, frags.size());
  }
  for (const auto& [a, b] : out) {
    if (a >= b) return {};
  }
  return out;
}

} // namespace

int fragment_count(DcmPixelSequence& seq, bool& any_data) {
  std::vector<std::uint32_t> table;
  const auto frags = fragments_of(seq, table);
  any_data = false;
  for (const auto& f : frags) any_data = any_data || f.length > 0;
  return static_cast<int>(frags.size());
}

std::vector<std::uint8_t> encapsulated_frame(DcmPixelSequence& seq, int frame, int frames) {
  std::vector<std::uint32_t> table;
  const auto frags = fragments_of(seq, table);
  if (frags.empty()) bad("encapsulated Pixel Data has no fragments");

  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  if (frames == 1) {
    ranges.emplace_back(0, frags.size());
  } else {
    ranges = from_offset_table(frags, table, frames);
    if (ranges.empty() && frags.size() == static_cast<std::size_t>(frames)) {
      for (std::size_t i = 0; i < frags.size(); ++i) ranges.emplace_back(i, i + 1);
    }
    if (ranges.empty()) {  // group at codestream starts
      for (std::size_t i = 0; i < frags.size(); ++i) {
        if (starts_codestream(frags[i]) || ranges.empty()) {
          if (!ranges.empty()) ranges.back().second = i;
          ranges.emplace_back(i, frags.size());
        }
      }
    }
  }
  if (frame < 0 || static_cast<std::size_t>(frame) >= ranges.size()) {
    bad(fmt::format("frame {} not found among {} pixel data fragments", frame + 1, frags.size()));
  }
  const auto [first, last] = ranges[static_cast<std::size_t>(frame)];
  std::size_t total = 0;
  for (std::size_t i = first; i < last; ++i) total += frags[i].length;
  if (total == 0) bad(fmt::format("frame {} has no compressed data", frame + 1));
  std::vector<std::uint8_t> out;
  out.reserve(total);
  for (std::size_t i = first; i < last; ++i) {
    if (frags[i].length > 0) out.insert(out.end(), frags[i].data, frags[i].data + frags[i].length);
  }
  return out;
}

} // namespace osteon::imaging::detail
