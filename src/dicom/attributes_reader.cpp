#include "osteon/dicom/attributes_reader.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <fmt/format.h>

#include "osteon/core/error.hpp"
#include "osteon/dicom/nesting_guard.hpp"

namespace osteon::dicom {

namespace {

std::optional<std::int64_t> get_int(DcmItem& item, const DcmTagKey& key) {
  Sint32 v = 0;
  if (item.findAndGetSint32(key, v).good()) return v;
  return std::nullopt;
}

InstanceAttributes attributes_of(const DicomFile& file) {
  DcmDataset& ds = *file.dcmtk().getDataset();
  const auto get = [&file](const DcmTagKey& key) { return file.string(key.getGroup(), key.getElement()); };
  InstanceAttributes a;
  a.sop_class_uid = get(DCM_SOPClassUID);
  a.sop_instance_uid = get(DCM_SOPInstanceUID);
  a.study_uid = get(DCM_StudyInstanceUID);
  a.series_uid = get(DCM_SeriesInstanceUID);
  a.transfer_syntax_uid = file.transfer_syntax();
  const std::pair<const char*, const std::string*> required[] = {
      {"SOP Class UID", &a.sop_class_uid},
      {"SOP Instance UID", &a.sop_instance_uid},
      {"Study Instance UID", &a.study_uid},
      {"Series Instance UID", &a.series_uid},
  };
  for (const auto& [name, value] : required) {
    if (value->empty()) throw Error(Errc::dicom_missing_uid, fmt::format("dataset has no {}", name));
  }
  a.patient_id = get(DCM_PatientID);
  a.study_date = get(DCM_StudyDate);
  a.study_time = get(DCM_StudyTime);
  a.accession_number = get(DCM_AccessionNumber);
  a.study_description = get(DCM_StudyDescription);
  a.series_description = get(DCM_SeriesDescription);
  a.protocol_name = get(DCM_ProtocolName);
  a.modality = get(DCM_Modality);
  a.body_part = get(DCM_BodyPartExamined);
  a.view_position = get(DCM_ViewPosition);
  a.laterality = get(DCM_ImageLaterality);
  if (a.laterality.empty()) a.laterality = get(DCM_Laterality);
  a.series_number = get_int(ds, DCM_SeriesNumber);
  a.instance_number = get_int(ds, DCM_InstanceNumber);
  return a;
}

} // namespace

InstanceAttributes read_attributes(const std::filesystem::path& file) {
  return attributes_of(DicomFile::load_header(file));
}

InstanceAttributes read_attributes(const DicomFile& file) { return attributes_of(file); }

} // namespace osteon::dicom
