#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <fmt/format.h>

#include "dcmtk_support.hpp"
#include "osteon/core/error.hpp"
#include "osteon/results/findings.hpp"
#include "osteon/results/result_context.hpp"
#include "osteon/core/uid.hpp"

namespace osteon::results {

AnalysisKind kind_of(const Findings& findings) {
  return std::visit(
      [](const auto& f) {
        using T = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<T, BoneAgeFinding>) return AnalysisKind::bone_age;
        else if constexpr (std::is_same_v<T, NasalFractureFinding>) return AnalysisKind::nasal_fracture;
        else if constexpr (std::is_same_v<T, ImplantFinding>) return AnalysisKind::implant_id;
        else return f.kind;
      },
      findings);
}

std::string_view kind_name(AnalysisKind kind) {
  switch (kind) {
    case AnalysisKind::bone_age: return "bone_age";
    case AnalysisKind::nasal_fracture: return "nasal_fracture";
    case AnalysisKind::implant_id: break;
  }
  return "implant_id";
}

std::string_view sr_sop_class_uid(SrDocumentClass cls) {
  switch (cls) {
    case SrDocumentClass::comprehensive3d: return "1.2.840.10008.5.1.4.1.1.88.34";
    case SrDocumentClass::comprehensive: return "1.2.840.10008.5.1.4.1.1.88.33";
    case SrDocumentClass::enhanced: break;
  }
  return "1.2.840.10008.5.1.4.1.1.88.22";
}

std::string_view sr_class_name(SrDocumentClass cls) {
  switch (cls) {
    case SrDocumentClass::comprehensive3d: return "comprehensive3d";
    case SrDocumentClass::comprehensive: return "comprehensive";
    case SrDocumentClass::enhanced: break;
  }
  return "enhanced";
}

std::optional<SrDocumentClass> parse_sr_class(std::string_view name) {
  for (auto cls : {SrDocumentClass::comprehensive3d, SrDocumentClass::comprehensive, SrDocumentClass::enhanced})
    if (name == sr_class_name(cls) || name == sr_sop_class_uid(cls)) return cls;
  return std::nullopt;
}

std::string disclaimer(const Algorithm& algorithm) {
  return fmt::format("AI result - not for primary diagnosis. {} {} was trained on {}.", algorithm.name,
                     algorithm.version, algorithm.training_data);
}

namespace {
std::string_view label(AnalysisKind kind) {
  switch (kind) {
    case AnalysisKind::bone_age: return "Bone Age";
    case AnalysisKind::nasal_fracture: return "Nasal Fracture";
    case AnalysisKind::implant_id: break;
  }
  return "Hip Implant";
}
int offset(AnalysisKind kind) { return static_cast<int>(kind); }
} // namespace

SeriesSpec default_sr_series(AnalysisKind kind) {
  SeriesSpec s;
  s.number = 901 + offset(kind);
  s.description = fmt::format("AI {} SR (not for primary diagnosis)", label(kind));
  return s;
}

SeriesSpec default_sc_series(AnalysisKind kind) {
  SeriesSpec s;
  s.number = 911 + offset(kind);
  s.description = fmt::format("AI {} Image (not for primary diagnosis)", label(kind));
  return s;
}

SeriesSpec default_gsps_series(AnalysisKind kind) {
  SeriesSpec s;
  s.number = 921 + offset(kind);
  s.description = fmt::format("AI {} Overlay (not for primary diagnosis)", label(kind));
  return s;
}

ObjectReference read_reference(const std::filesystem::path& file) {
  const auto loaded = dicom::DicomFile::load_header(file);
  DcmDataset& ds = *loaded.dcmtk().getDataset();
  ObjectReference ref;
  ref.file = file;
  ref.sop_class_uid = detail::get_string(ds, DCM_SOPClassUID);
  ref.sop_instance_uid = detail::get_string(ds, DCM_SOPInstanceUID);
  ref.series_instance_uid = detail::get_string(ds, DCM_SeriesInstanceUID);
  ref.study_instance_uid = detail::get_string(ds, DCM_StudyInstanceUID);
  for (const auto* uid : {&ref.sop_class_uid, &ref.sop_instance_uid, &ref.series_instance_uid, &ref.study_instance_uid})
    if (!osteon::is_valid_uid(*uid)) throw Error(Errc::dicom_missing_uid, "results: missing or invalid UID in " + file.string());
  return ref;
}

} // namespace osteon::results
