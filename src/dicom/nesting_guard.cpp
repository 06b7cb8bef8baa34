#include "osteon/dicom/nesting_guard.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <dcmtk/dcmdata/dctag.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "osteon/core/error.hpp"

namespace osteon::dicom {

namespace {

constexpr std::uint32_t undefined = 0xFFFFFFFF;
constexpr std::size_t open_end = std::numeric_limits<std::size_t>::max();

struct Encoding {
  bool explicit_vr = true;
  bool big_endian = false;
};

struct Container {
  bool sequence;      // a sequence (else an item)
  bool opaque_items;  // encapsulated pixel data: items are fragments, not data sets
  bool implicit;      // UN of undefined length: contents are implicit VR little endian
  std::size_t end;    // open_end for undefined length
};

class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool has(std::size_t p, std::size_t n) const { return p <= b_.size() && n <= b_.size() - p; }
  std::uint16_t u16(std::size_t p, bool be) const {
    const auto* d = reinterpret_cast<const unsigned char*>(b_.data()) + p;
    return be ? static_cast<std::uint16_t>(d[0] << 8 | d[1]) : static_cast<std::uint16_t>(d[1] << 8 | d[0]);
  }
  std::uint32_t u32(std::size_t p, bool be) const {
    const auto* d = reinterpret_cast<const unsigned char*>(b_.data()) + p;
    return be ? (std::uint32_t{d[0]} << 24 | std::uint32_t{d[1]} << 16 | std::uint32_t{d[2]} << 8 | d[3])
              : (std::uint32_t{d[3]} << 24 | std::uint32_t{d[2]} << 16 | std::uint32_t{d[1]} << 8 | d[0]);
  }
  std::string_view at(std::size_t p, std::size_t n) const { return b_.substr(p, n); }
  std::size_t size() const { return b_.size(); }

 private:
  std::string_view b_;
};

bool long_header_vr(std::string_view vr) {
  static constexpr std::string_view vrs[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"};
  for (auto v : vrs)
    if (v == vr) return true;
  return false;
}

bool looks_like_vr(std::string_view vr) {
  return vr.size() == 2 && vr[0] >= 'A' && vr[0] <= 'Z' && vr[1] >= 'A' && vr[1] <= 'Z';
}

// `inflated`: the bytes are a deflated data set, inflated (DCMTK reads every value of such a
// stream at once); an element longer than what remains is then reported in `problem`.
int scan(std::string_view bytes, std::size_t p, Encoding enc, int limit, bool inflated = false,
         std::string* problem = nullptr) {
  const Reader r(bytes);
  std::vector<Container> stack;
  int depth = 0;
  int deepest = 0;
  auto pop_until = [&](bool sequence) {
    while (!stack.empty()) {
      const bool was = stack.back().sequence;
      if (was) --depth;
      stack.pop_back();
      if (was == sequence) break;
    }
  };
  while (r.has(p, 8)) {
    while (!stack.empty() && stack.back().end <= p) {
      if (stack.back().sequence) --depth;
      stack.pop_back();
    }
    const bool implicit = !enc.explicit_vr || (!stack.empty() && stack.back().implicit);
    const bool be = enc.big_endian && !implicit;
    const std::uint16_t group = r.u16(p, be);
    const std::uint16_t element = r.u16(p + 2, be);
    if (group == 0xFFFE) {
      const std::uint32_t len = r.u32(p + 4, be);
      p += 8;
      if (element == 0xE000) {
        if (!stack.empty() && stack.back().opaque_items) {
          if (len == undefined) return deepest;  // malformed fragment
          if (inflated && problem != nullptr && !r.has(p, len)) {
            *problem = fmt::format("a pixel data fragment declares {} bytes, more than the {} the deflated data set holds",
                                   len, bytes.size() - std::min(p, bytes.size()));
            return deepest;
          }
          p += len;
        } else {
          const bool inner_implicit = !stack.empty() && stack.back().implicit;
          stack.push_back({false, false, inner_implicit, len == undefined ? open_end : p + len});
        }
      } else if (element == 0xE00D) {
        pop_until(false);
      } else if (element == 0xE0DD) {
        pop_until(true);
      }
      continue;
    }
    std::string_view vr;
    std::uint32_t len = 0;
    std::size_t header = 8;
    if (!implicit) {
      // As DCMTK reads explicit VR: two bytes that are not a VR it knows are a "non-standard VR"
      // with a 2-byte length field (mirrored, so that this scan sees the elements DCMTK will).
      vr = r.at(p + 4, 2);
      if (long_header_vr(vr)) {
        if (!r.has(p, 12)) return deepest;
        len = r.u32(p + 8, be);
        header = 12;
      } else {
        len = r.u16(p + 6, be);
      }
    } else {
      len = r.u32(p + 4, false);
      if (DcmTag(group, element).getEVR() == EVR_SQ) vr = "SQ";
    }
    p += header;
    const bool sequence_like = vr == "SQ" || len == undefined;
    if (sequence_like) {
      ++depth;
      deepest = std::max(deepest, depth);
      if (deepest > limit) return deepest;
      const bool opaque = vr != "SQ" && vr != "UN" && !(implicit && vr.empty() && group != 0x7FE0);
      stack.push_back({true, opaque, vr == "UN" || (!stack.empty() && stack.back().implicit),
                       len == undefined ? open_end : p + len});
      continue;
    }
    if (!r.has(p, len)) {  // truncated: DCMTK reports it, having checked the file's size ...
      if (inflated && problem != nullptr)  // ... which a deflated stream does not tell it
        *problem = fmt::format("element ({:04X},{:04X}) declares {} bytes, more than the {} the deflated data set holds",
                               group, element, len, bytes.size() - std::min(p, bytes.size()));
      return deepest;
    }
    p += len;
  }
  return deepest;
}

std::string inflate_raw(std::string_view in, std::size_t max_out) {
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return {};
  std::string out;
  std::vector<char> buf(1 << 16);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(std::min<std::size_t>(in.size(), std::numeric_limits<uInt>::max()));
  int rc = Z_OK;
  while (rc == Z_OK && out.size() < max_out) {
    z.next_out = reinterpret_cast<Bytef*>(buf.data());
    z.avail_out = static_cast<uInt>(buf.size());
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf.data(), buf.size() - z.avail_out);
  }
  inflateEnd(&z);
  return out;
}

} // namespace

int sequence_depth_of_bytes(std::string_view bytes, int limit) { return scan_structure(bytes, limit).depth; }

StructureScan scan_structure(std::string_view bytes, int limit) {
  StructureScan out;
  const Reader r(bytes);
  std::size_t p = 0;
  std::string ts;
  if (r.has(128, 4) && r.at(128, 4) == "DICM") {
    // File meta information: always explicit VR little endian, group 0002. As DCMTK reads it, it
    // ends where its group length (0002,0000) says when that is there, else at the first element
    // of another group.
    p = 132;
    std::size_t meta_end = 0;
    while (r.has(p, 8) && (r.u16(p, false) == 0x0002 || p < meta_end)) {
      const std::uint16_t element = r.u16(p + 2, false);
      const std::string_view vr = r.at(p + 4, 2);
      std::uint32_t len = 0;
      std::size_t header = 8;
      if (long_header_vr(vr)) {
        if (!r.has(p, 12)) return out;
        len = r.u32(p + 8, false);
        header = 12;
      } else {
        len = r.u16(p + 6, false);
      }
      if (len == undefined || !r.has(p + header, len)) return out;
      if (element == 0x0000 && len == 4 && r.u16(p, false) == 0x0002 && meta_end == 0)
        meta_end = p + header + len + r.u32(p + header, false);
      if (element == 0x0010 && r.u16(p, false) == 0x0002) {
        ts = std::string(r.at(p + header, len));
        while (!ts.empty() && (ts.back() == '\0' || ts.back() == ' ')) ts.pop_back();
      }
      p += header + len;
    }
  }
  Encoding enc;
  if (ts == "1.2.840.10008.1.2") {
    enc.explicit_vr = false;
  } else if (ts == "1.2.840.10008.1.2.2") {
    enc.big_endian = true;
  } else if (ts == "1.2.840.10008.1.2.1.99") {
    const std::string inflated = inflate_raw(bytes.substr(p), std::size_t{2} << 30);
    out.depth = scan(inflated, 0, enc, limit, true, &out.problem);
    return out;
  } else if (ts.empty()) {
    enc.explicit_vr = r.has(p, 6) && looks_like_vr(r.at(p + 4, 2));
  }
  out.depth = scan(bytes, p, enc, limit);
  return out;
}

namespace {
StructureScan scan_file(const std::filesystem::path& file, int limit) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(Errc::io_error, fmt::format("cannot read {}", file.string()));
  struct stat st {};
  ::fstat(fd, &st);
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return {};
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) throw Error(Errc::io_error, fmt::format("cannot map {}", file.string()));
  StructureScan result;
  try {
    result = scan_structure(std::string_view(static_cast<const char*>(map), size), limit);
  } catch (...) {
    ::munmap(map, size);
    throw;
  }
  ::munmap(map, size);
  return result;
}
} // namespace

int sequence_depth(const std::filesystem::path& file, int limit) { return scan_file(file, limit).depth; }

void require_sane_nesting(const std::filesystem::path& file) {
  const auto scanned = scan_file(file, max_sequence_depth);
  if (scanned.depth > max_sequence_depth) {
    throw Error(Errc::dicom_unparseable,
                fmt::format("sequences nested deeper than {} levels: refused", max_sequence_depth));
  }
  if (!scanned.problem.empty()) throw Error(Errc::dicom_unparseable, scanned.problem + ": refused");
}

} // namespace osteon::dicom
