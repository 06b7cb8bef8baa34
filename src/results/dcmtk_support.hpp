#pragma once
// DCMTK helpers shared by the SR and SC writers. Internal: only .cpp files of src/results
// include this header.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/ofstd/ofcond.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "osteon/dicom/dcmtk_bridge.hpp"
#include "osteon/dicom/dicom_file.hpp"
#include "osteon/results/result_context.hpp"

namespace osteon::results::detail {

/// Throws osteon::Error(internal) "results: <what>: <condition text>" when `cond` is bad.
void check(const OFCondition& cond, std::string_view what);

using dicom::get_string;

/// The analysed image, loaded and converted to UTF-8 when it declares another character set.
struct SourceImage {
  std::shared_ptr<dicom::DicomFile> loaded;   // when the context had no loaded source
  std::unique_ptr<DcmFileFormat> converted;   // a UTF-8 copy, when the source used another character set
  DcmDataset* dataset = nullptr;
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string study_uid;
  std::string series_uid;
  unsigned rows = 0;
  unsigned cols = 0;
};

/// The context's source: the job's loaded file when it has one (copied only when its character
/// set must be converted), else loaded (attributes only) from ctx.source_file. Throws osteon::Error: not_found,
/// dicom_unparseable, dicom_missing_uid.
SourceImage load_source(const ResultContext& ctx);

/// Copies the Patient, Patient Study and General Study attributes verbatim from the source
/// (replacing what the destination has). With `type2_empty`, type 2 attributes absent from
/// the source are inserted empty.
void copy_patient_and_study(DcmItem& source, DcmItem& destination, bool type2_empty);

/// Sets Specific Character Set to ISO_IR 192 when any string value is not plain ASCII, and
/// removes it otherwise (the default repertoire then applies).
void settle_character_set(DcmItem& dataset);

/// Checks the parts of the context every writer needs (throws invalid_argument).
void validate_context(const ResultContext& ctx);

/// A new UID from ctx.new_uid (or make_uid()); throws internal when it is not a valid UID.
std::string new_uid(const ResultContext& ctx);

/// `spec` with the defaults for `kind` filled in; throws invalid_argument for bad values.
SeriesSpec resolve_series(const SeriesSpec& spec, const SeriesSpec& defaults);

/// The identity of a new result object for `out`: its class, a new SOP Instance UID, then the
/// series' UID (or a new one), the source's study. (The order of the new UIDs is part of the
/// stable UIDs a re-run gets.)
ObjectReference new_reference(const ResultContext& ctx, const std::filesystem::path& out, std::string_view sop_class,
                              const SeriesSpec& series, const SourceImage& source);

/// Checks that DCMTK wrote `ref`'s SOP class into `ds`, then puts our SOP Instance and Series UIDs.
void put_identity(DcmItem& ds, const ObjectReference& ref);

/// General Equipment's Software Versions: ctx.software_versions, else "<algorithm> <version>",
/// at most 64 characters.
std::string software_versions(const ResultContext& ctx);

/// Today's date (YYYYMMDD) and time (HHMMSS) in local time, as DICOM DA and TM.
std::string dicom_date_now();
std::string dicom_time_now();

} // namespace osteon::results::detail
