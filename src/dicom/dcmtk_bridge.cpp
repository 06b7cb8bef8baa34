#include "osteon/dicom/dcmtk_bridge.hpp"

#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>

#include <fmt/format.h>

namespace osteon::dicom {

Error error_of(const OFCondition& condition, Errc code, std::string_view what) {
  return Error(code, fmt::format("{}: {}", what, condition.text()));
}

void check(const OFCondition& condition, Errc code, std::string_view what) {
  if (condition.bad()) throw error_of(condition, code, what);
}

std::string get_string(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  if (item.findAndGetOFStringArray(tag, value).bad()) return {};
  std::string s(value.c_str(), value.size());
  // DICOM pads values with spaces (and UIDs with NUL); callers want clean values.
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

void save(DcmFileFormat& file, const std::filesystem::path& out, E_TransferSyntax transfer_syntax) {
  std::error_code ec;
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path(), ec);
  std::filesystem::path temp = out;
  temp += ".part";
  const OFCondition saved = file.saveFile(temp.c_str(), transfer_syntax);
  if (saved.bad()) {
    std::filesystem::remove(temp, ec);
    throw error_of(saved, Errc::io_error, "cannot write " + out.string());
  }
  std::filesystem::rename(temp, out, ec);
  if (ec) {
    std::filesystem::remove(temp, ec);
    throw Error(Errc::io_error, fmt::format("cannot rename into {}: {}", out.string(), ec.message()));
  }
}

} // namespace osteon::dicom
