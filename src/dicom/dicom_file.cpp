#include "osteon/dicom/dicom_file.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <atomic>


#include "osteon/core/error.hpp"
#include "osteon/dicom/dcmtk_bridge.hpp"
#include "osteon/dicom/nesting_guard.hpp"

namespace osteon::dicom {

namespace {
std::atomic<std::uint64_t> load_count{0};
} // namespace

struct DicomFile::Impl {
  std::filesystem::path path;
  DcmFileFormat file;
};

DicomFile::DicomFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DicomFile::DicomFile(DicomFile&&) noexcept = default;
DicomFile& DicomFile::operator=(DicomFile&&) noexcept = default;
DicomFile::~DicomFile() = default;

DicomFile DicomFile::open(const std::filesystem::path& file, std::uint32_t max_read_length) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) throw Error(Errc::not_found, "no such file: " + file.string());
  require_sane_nesting(file);
  auto impl = std::make_unique<Impl>();
  impl->path = file;
  check(impl->file.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, max_read_length, ERM_autoDetect),
        Errc::dicom_unparseable, "not a readable DICOM file");
  ++load_count;
  return DicomFile(std::move(impl));
}

DicomFile DicomFile::load(const std::filesystem::path& file) { return open(file, DCM_MaxReadLength); }

// Longer values stay in the file; DCMTK reads them from there when they are asked for.
DicomFile DicomFile::load_header(const std::filesystem::path& file) { return open(file, 4096); }

const std::filesystem::path& DicomFile::path() const { return impl_->path; }

std::string DicomFile::string(std::uint16_t group, std::uint16_t element) const {
  return get_string(*impl_->file.getDataset(), DcmTagKey(group, element));
}

std::string DicomFile::transfer_syntax() const {
  auto uid = get_string(*impl_->file.getMetaInfo(), DCM_TransferSyntaxUID);
  uid.erase(0, uid.find_first_not_of(' '));
  if (!uid.empty()) return uid;
  const char* id = DcmXfer(impl_->file.getDataset()->getOriginalXfer()).getXferID();
  return id ? id : "";
}

DcmFileFormat& DicomFile::dcmtk() const { return impl_->file; }

std::uint64_t DicomFile::loads() { return load_count.load(); }

} // namespace osteon::dicom
