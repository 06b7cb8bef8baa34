#include "osteon/dicom/sr_class.hpp"

#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmsr/dsrdoc.h>

#include <fmt/format.h>

#include "osteon/core/error.hpp"

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
  DcmFileFormat ff;
  OFCondition cond = ff.loadFile(in.c_str());
  DSRDocument doc;
  if (cond.good()) cond = doc.read(*ff.getDataset());
  if (cond.good()) cond = doc.changeDocumentType(*type);
  DcmFileFormat converted;
  if (cond.good()) cond = doc.write(*converted.getDataset());
  if (cond.good()) cond = converted.saveFile(out.c_str(), EXS_LittleEndianExplicit);
  if (cond.bad()) {
    throw Error(Errc::dicom_unparseable, fmt::format("cannot convert {} to {} SR: {}", in.string(), class_name, cond.text()));
  }
}

} // namespace osteon::dicom
