#include "attributes.hpp"

#include <dcmtk/dcmdata/dcelem.h>
#include <dcmtk/dcmdata/dcitem.h>

#include <cmath>
#include <cstdlib>

namespace osteon::imaging::detail {
namespace {

// Raw bytes of an element that DCMTK read as UN.
std::optional<std::string> un_bytes(DcmItem& item, const DcmTagKey& tag) {
  DcmElement* e = nullptr;
  if (item.findAndGetElement(tag, e).bad() || e == nullptr || e->ident() != EVR_UN) return std::nullopt;
  Uint8* bytes = nullptr;
  if (e->getUint8Array(bytes).bad() || bytes == nullptr) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(bytes), e->getLength());
}

} // namespace

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && s[start] == ' ') ++start;
  return s.substr(start);
}


std::optional<std::string> text_value(DcmItem& item, const DcmTagKey& tag, unsigned long index) {
  const auto raw = un_bytes(item, tag);  // before the string getter, which formats UN as hex
  if (!raw) {
    OFString v;
    if (item.findAndGetOFString(tag, v, index).bad()) return std::nullopt;
    const auto t = trimmed(std::string(v.c_str(), v.size()));
    return t.empty() ? std::nullopt : std::optional<std::string>(t);
  }
  std::size_t start = 0;
  for (unsigned long i = 0; i < index; ++i) {
    start = raw->find('\\', start);
    if (start == std::string::npos) return std::nullopt;
    ++start;
  }
  const auto t = trimmed(raw->substr(start, raw->find('\\', start) - start));
  return t.empty() ? std::nullopt : std::optional<std::string>(t);
}

std::optional<double> number_value(DcmItem& item, const DcmTagKey& tag, unsigned long index) {
  const auto text = text_value(item, tag, index);
  if (!text) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text->c_str(), &end);
  if (end == text->c_str() || *end != '\0' || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<std::uint16_t> word_value(DcmItem& item, const DcmTagKey& tag, unsigned long index) {
  Uint16 u = 0;
  Sint16 s = 0;
  if (item.findAndGetUint16(tag, u, index).good()) return u;
  if (item.findAndGetSint16(tag, s, index).good()) return static_cast<std::uint16_t>(s);
  const auto raw = un_bytes(item, tag);  // little endian: UN only occurs in explicit VR LE
  if (!raw || raw->size() < 2 * (index + 1)) return std::nullopt;
  const auto* b = reinterpret_cast<const unsigned char*>(raw->data()) + 2 * index;
  return static_cast<std::uint16_t>(b[0] | b[1] << 8);
}

} // namespace osteon::imaging::detail
