#include "osteon/dicom/sr_class.hpp"

#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmsr/dsrdoc.h>

#include <fmt/format.h>

#include "osteon/core/error.hpp"
#include "osteon/dicom/dcmtk_bridge.hpp"
#include "osteon/dicom/dicom_file.hpp"

namespace osteon::dicom {

namespace {
std::optional<DSRTypes::E_DocumentType> doc_type(std::string_view name) {
  if (name == "comprehensive3d") return DSRTypes::DT_Comprehensive3DSR;
  if (name == "comprehensive") return DSRTypes::DT_ComprehensiveSR;
  if (name == "enhanced") return DSRTypes::DT_EnhancedSR;
  return std::nullopt;
}
} // namespace

std::optional<std::string> sr_class_uid(std::string_view name) {
  if (name == "comprehensive3d") return std::string(UID_Comprehensive3DSRStorage);
  if (name == "comprehensive") return std::string(UID_ComprehensiveSRStorage);
  if (name == "enhanced") return std::string(UID_EnhancedSRStorage);
  return std::nullopt;
}

void convert_sr_class(const std::filesystem::path& in, std::string_view class_name, const std::filesystem::path& out) {
  const auto type = doc_type(class_name);
  if (!type) throw Error(Errc::invalid_argument, fmt::format("unknown SR class '{}'", class_name));
  const DicomFile source = DicomFile::load(in);
  DSRDocument doc;
  OFCondition cond = doc.read(*source.dcmtk().getDataset());
  if (cond.good()) cond = doc.changeDocumentType(*type);
  DcmFileFormat converted;
  if (cond.good()) cond = doc.write(*converted.getDataset());
  check(cond, Errc::dicom_unparseable, fmt::format("cannot convert {} to {} SR", in.string(), class_name));
  save(converted, out);
}

} // namespace osteon::dicom
