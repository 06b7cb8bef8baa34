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

std::string get(DcmItem& item, const DcmTagKey& key) {
  OFString value;
  if (item.findAndGetOFStringArray(key, value).good()) {
    std::string s = value.c_str();
    // DICOM pads with spaces (and UIDs with NUL); indexes want clean values.
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
    return s;
  }
  return {};
}

std::optional<std::int64_t> get_int(DcmItem& item, const DcmTagKey& key) {
  Sint32 v = 0;
  if (item.findAndGetSint32(key, v).good()) return v;
  return std::nullopt;
}

} // namespace

namespace {

InstanceAttributes attributes_of(DcmFileFormat& ff) {
  DcmDataset& ds = *ff.getDataset();
  DcmMetaInfo& meta = *ff.getMetaInfo();
  InstanceAttributes a;
  a.sop_class_uid = get(ds, DCM_SOPClassUID);
  a.sop_instance_uid = get(ds, DCM_SOPInstanceUID);
  a.study_uid = get(ds, DCM_StudyInstanceUID);
  a.series_uid = get(ds, DCM_SeriesInstanceUID);
  a.transfer_syntax_uid = get(meta, DCM_TransferSyntaxUID);
  if (a.transfer_syntax_uid.empty()) {
    a.transfer_syntax_uid = DcmXfer(ds.getOriginalXfer()).getXferID();
  }
  const std::pair<const char*, const std::string*> required[] = {
      {"SOP Class UID", &a.sop_class_uid},
      {"SOP Instance UID", &a.sop_instance_uid},
      {"Study Instance UID", &a.study_uid},
      {"Series Instance UID", &a.series_uid},
  };
  for (const auto& [name, value] : required) {
    if (value->empty()) throw Error(Errc::dicom_missing_uid, fmt::format("dataset has no {}", name));
  }
  a.patient_id = get(ds, DCM_PatientID);
  a.study_date = get(ds, DCM_StudyDate);
  a.study_time = get(ds, DCM_StudyTime);
  a.accession_number = get(ds, DCM_AccessionNumber);
  a.study_description = get(ds, DCM_StudyDescription);
  a.series_description = get(ds, DCM_SeriesDescription);
  a.protocol_name = get(ds, DCM_ProtocolName);
  a.modality = get(ds, DCM_Modality);
  a.body_part = get(ds, DCM_BodyPartExamined);
  a.view_position = get(ds, DCM_ViewPosition);
  a.laterality = get(ds, DCM_ImageLaterality);
  if (a.laterality.empty()) a.laterality = get(ds, DCM_Laterality);
  a.series_number = get_int(ds, DCM_SeriesNumber);
  a.instance_number = get_int(ds, DCM_InstanceNumber);
  return a;
}

} // namespace

InstanceAttributes read_attributes(const std::filesystem::path& file) {
  return attributes_of(DicomFile::load_header(file).dcmtk());
}

InstanceAttributes read_attributes(const DicomFile& file) { return attributes_of(file.dcmtk()); }

} // namespace osteon::dicom
