#include "osteon/dicom/dicom_file.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <atomic>

#include <fmt/format.h>

#include "osteon/core/error.hpp"
#include "osteon/dicom/nesting_guard.hpp"

namespace osteon::dicom {

namespace {
std::atomic<std::uint64_t> load_count{0};

// DICOM pads values with spaces (and UIDs with NUL); callers want clean values.
std::string unpadded(const OFString& value) {
  std::string s = value.c_str();
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}
} // namespace

struct DicomFile::Impl {
  std::filesystem::path path;
  DcmFileFormat file;
};

DicomFile::DicomFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DicomFile::DicomFile(DicomFile&&) noexcept = default;
DicomFile& DicomFile::operator=(DicomFile&&) noexcept = default;
DicomFile::~DicomFile() = default;

DicomFile DicomFile::load(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) throw Error(Errc::not_found, "no such file: " + file.string());
  require_sane_nesting(file);
  auto impl = std::make_unique<Impl>();
  impl->path = file;
  const OFCondition loaded =
      impl->file.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect);
  if (loaded.bad()) throw Error(Errc::dicom_unparseable, fmt::format("not a readable DICOM file ({})", loaded.text()));
  ++load_count;
  return DicomFile(std::move(impl));
}

DicomFile DicomFile::load_header(const std::filesystem::path& file) {
  require_sane_nesting(file);
  auto impl = std::make_unique<Impl>();
  impl->path = file;
  const OFCondition loaded = impl->file.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, 4096);
  if (loaded.bad()) throw Error(Errc::dicom_unparseable, fmt::format("cannot parse dataset: {}", loaded.text()));
  ++load_count;
  return DicomFile(std::move(impl));
}

const std::filesystem::path& DicomFile::path() const { return impl_->path; }

std::string DicomFile::string(std::uint16_t group, std::uint16_t element) const {
  OFString value;
  if (impl_->file.getDataset()->findAndGetOFStringArray(DcmTagKey(group, element), value).bad()) return {};
  return unpadded(value);
}

std::string DicomFile::transfer_syntax() const {
  OFString ts;
  if (impl_->file.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, ts).good()) {
    auto uid = unpadded(ts);
    uid.erase(0, uid.find_first_not_of(' '));
    if (!uid.empty()) return uid;
  }
  const char* id = DcmXfer(impl_->file.getDataset()->getOriginalXfer()).getXferID();
  return id ? id : "";
}

DcmFileFormat& DicomFile::dcmtk() const { return impl_->file; }

std::uint64_t DicomFile::loads() { return load_count.load(); }

} // namespace osteon::dicom
