#include "dcmtk_support.hpp"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcelem.h>
#include <dcmtk/dcmdata/dcstack.h>
#include <dcmtk/dcmdata/dcvrda.h>
#include <dcmtk/dcmdata/dcvrtm.h>

#include <fmt/format.h>

#include <system_error>

#include "osteon/core/error.hpp"
#include "osteon/core/uid.hpp"

namespace osteon::results::detail {
namespace {

// Patient, Patient Study and General Study attributes copied into every result, in this order.
const DcmTagKey kPatientStudyTags[] = {
    DCM_PatientName, DCM_PatientID, DCM_IssuerOfPatientID, DCM_IssuerOfPatientIDQualifiersSequence,
    DCM_PatientBirthDate, DCM_PatientBirthTime, DCM_PatientSex, DCM_OtherPatientIDsSequence,
    DCM_PatientComments, DCM_PatientIdentityRemoved, DCM_DeidentificationMethod,
    DCM_DeidentificationMethodCodeSequence, DCM_PatientAge, DCM_PatientSize, DCM_PatientWeight,
    DCM_StudyInstanceUID, DCM_StudyDate, DCM_StudyTime, DCM_ReferringPhysicianName,
    DCM_ReferringPhysicianIdentificationSequence, DCM_StudyID, DCM_AccessionNumber,
    DCM_IssuerOfAccessionNumberSequence, DCM_StudyDescription, DCM_ProcedureCodeSequence,
    DCM_PhysiciansOfRecord, DCM_NameOfPhysiciansReadingStudy, DCM_TimezoneOffsetFromUTC};

const DcmTagKey kType2Tags[] = {DCM_PatientName,  DCM_PatientID,  DCM_PatientBirthDate,
                                DCM_PatientSex,   DCM_StudyDate,  DCM_StudyTime,
                                DCM_ReferringPhysicianName, DCM_StudyID, DCM_AccessionNumber};

bool is_ascii(const OFString& s) {
  for (std::size_t i = 0; i < s.size(); ++i)
    if (static_cast<unsigned char>(s[i]) >= 0x80) return false;
  return true;
}

bool needs_conversion(const std::string& charset) {
  return !(charset.empty() || charset == "ISO_IR 6" || charset == "ISO_IR 192" || charset == "ISO 2022 IR 6");
}

} // namespace

void check(const OFCondition& cond, std::string_view what) {
  if (cond.bad()) throw dicom::error_of(cond, Errc::internal, fmt::format("results: {}", what));
}

SourceImage load_source(const ResultContext& ctx) {
  const std::filesystem::path& file = ctx.source_file;
  SourceImage src;
  if (ctx.source) {
    src.dataset = ctx.source->dcmtk().getDataset();
  } else {
    // Only attributes are needed here: large values (the pixel data) stay on disk.
    src.loaded = std::make_shared<dicom::DicomFile>(dicom::DicomFile::load_header(file));
    src.dataset = src.loaded->dcmtk().getDataset();
  }
  const std::string charset = get_string(*src.dataset, DCM_SpecificCharacterSet);
  if (needs_conversion(charset)) {
    // A copy: the job's own file stays as it was received.
    src.converted = std::make_unique<DcmFileFormat>(ctx.source ? ctx.source->dcmtk() : src.loaded->dcmtk());
    src.dataset = src.converted->getDataset();
    dicom::check(src.dataset->convertToUTF8(), Errc::dicom_unparseable,
                 fmt::format("results: cannot convert source character set '{}' to UTF-8", charset));
  }
  src.sop_class_uid = get_string(*src.dataset, DCM_SOPClassUID);
  src.sop_instance_uid = get_string(*src.dataset, DCM_SOPInstanceUID);
  src.study_uid = get_string(*src.dataset, DCM_StudyInstanceUID);
  src.series_uid = get_string(*src.dataset, DCM_SeriesInstanceUID);
  for (const auto* uid : {&src.sop_class_uid, &src.sop_instance_uid, &src.study_uid, &src.series_uid})
    if (!osteon::is_valid_uid(*uid))
      throw Error(Errc::dicom_missing_uid, "results: source lacks a valid SOP class, SOP instance, study or series UID: " + file.string());
  Uint16 rows = 0, cols = 0;
  src.dataset->findAndGetUint16(DCM_Rows, rows);
  src.dataset->findAndGetUint16(DCM_Columns, cols);
  src.rows = rows;
  src.cols = cols;
  return src;
}

void copy_patient_and_study(DcmItem& source, DcmItem& destination, bool type2_empty) {
  for (const auto& tag : kPatientStudyTags) {
    if (source.tagExists(tag)) check(source.findAndInsertCopyOfElement(tag, &destination), "copy patient/study attribute");
  }
  if (!type2_empty) return;
  for (const auto& tag : kType2Tags)
    if (!destination.tagExists(tag)) check(destination.insertEmptyElement(tag), "insert empty type 2 attribute");
}

void settle_character_set(DcmItem& dataset) {
  bool ascii = true;
  DcmStack stack;
  while (ascii && dataset.nextObject(stack, OFTrue).good()) {
    auto* object = stack.top();
    if (!object->isLeaf() || !object->isaString()) continue;
    auto* element = static_cast<DcmElement*>(object);
    OFString value;
    if (element->getOFStringArray(value).good() && !is_ascii(value)) ascii = false;
  }
  if (ascii) {
    dataset.findAndDeleteElement(DCM_SpecificCharacterSet);
  } else {
    check(dataset.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192"), "Specific Character Set");
  }
}

void validate_context(const ResultContext& ctx) {
  const auto bad = [](const std::string& what) { throw Error(Errc::invalid_argument, "results: " + what); };
  if (!osteon::is_valid_uid(ctx.device.uid)) bad("device observer UID is missing or invalid: '" + ctx.device.uid + "'");
  if (ctx.device.name.empty()) bad("device observer name is required");
  if (ctx.algorithm.name.empty() || ctx.algorithm.version.empty()) bad("algorithm name and version are required");
  for (const auto* lo : {&ctx.device.manufacturer, &ctx.device.model_name, &ctx.device.serial_number,
                         &ctx.software_versions})
    if (lo->size() > 64 || lo->find('\\') != std::string::npos) bad("equipment text longer than 64 characters or with a backslash: " + *lo);
}

std::string new_uid(const ResultContext& ctx) {
  std::string uid = ctx.new_uid ? ctx.new_uid() : osteon::make_uid();
  if (!osteon::is_valid_uid(uid)) throw Error(Errc::internal, "results: the UID generator made an invalid UID: '" + uid + "'");
  return uid;
}

SeriesSpec resolve_series(const SeriesSpec& spec, const SeriesSpec& defaults) {
  SeriesSpec s = spec;
  if (s.number == 0) s.number = defaults.number;
  if (s.description.empty()) s.description = defaults.description;
  if (s.number < 0 || s.instance_number < 1)
    throw Error(Errc::invalid_argument, "results: series and instance numbers must be positive");
  if (s.description.size() > 64 || s.description.find('\\') != std::string::npos)
    throw Error(Errc::invalid_argument, "results: series description longer than 64 characters or with a backslash");
  if (!s.series_uid.empty() && !osteon::is_valid_uid(s.series_uid))
    throw Error(Errc::invalid_argument, "results: invalid series UID '" + s.series_uid + "'");
  return s;
}

ObjectReference new_reference(const ResultContext& ctx, const std::filesystem::path& out, std::string_view sop_class,
                              const SeriesSpec& series, const SourceImage& source) {
  ObjectReference ref;
  ref.file = out;
  ref.sop_class_uid = std::string(sop_class);
  ref.sop_instance_uid = new_uid(ctx);
  ref.series_instance_uid = series.series_uid.empty() ? new_uid(ctx) : series.series_uid;
  ref.study_instance_uid = source.study_uid;
  return ref;
}

void put_identity(DcmItem& ds, const ObjectReference& ref) {
  if (const auto written = get_string(ds, DCM_SOPClassUID); written != ref.sop_class_uid)
    throw Error(Errc::internal, "results: DCMTK wrote SOP class " + written + ", not " + ref.sop_class_uid);
  check(ds.putAndInsertString(DCM_SOPInstanceUID, ref.sop_instance_uid.c_str()), "SOP instance UID");
  check(ds.putAndInsertString(DCM_SeriesInstanceUID, ref.series_instance_uid.c_str()), "series UID");
}

std::string software_versions(const ResultContext& ctx) {
  const std::string s =
      ctx.software_versions.empty() ? ctx.algorithm.name + " " + ctx.algorithm.version : ctx.software_versions;
  return s.substr(0, 64);
}

std::string dicom_date_now() {
  OFString date;
  DcmDate::getCurrentDate(date);
  return std::string(date.c_str());
}

std::string dicom_time_now() {
  OFString time;
  DcmTime::getCurrentTime(time);
  return std::string(time.c_str());
}

} // namespace osteon::results::detail
