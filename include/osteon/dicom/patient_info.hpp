#pragma once
// The patient attributes some pipelines need beyond the indexed ones (InstanceAttributes has no
// sex or birth date on purpose): Patient's Sex, Birth Date and Age, and the Study/Content Date.
#include <filesystem>
#include <optional>
#include <string>

#include "osteon/dicom/dicom_file.hpp"

namespace osteon::dicom {

struct PatientInfo {
  std::string sex;          // "M", "F", "O" or empty (as stored, upper case, trimmed)
  std::string birth_date;   // YYYYMMDD or empty
  std::string age;          // Patient's Age, e.g. "007Y", or empty
  std::string study_date;   // YYYYMMDD or empty
  std::string content_date; // fallback when Study Date is empty
};

/// Reads the attributes (pixel data is not loaded). Throws Error(dicom_unparseable).
PatientInfo read_patient_info(const std::filesystem::path& file);
/// The same from a file already loaded (a job's source).
PatientInfo read_patient_info(const DicomFile& file);

/// Days since 1970-01-01 of a DICOM date (YYYYMMDD, or ACR-NEMA YYYY.MM.DD); nothing when
/// malformed or impossible.
std::optional<long> parse_dicom_date(const std::string& date);

} // namespace osteon::dicom
