#pragma once
// The patient attributes the pipelines need beyond the indexed ones (InstanceAttributes has no
// sex or birth date on purpose): Patient's Sex, Birth Date and Age, and the Study Date.
#include <filesystem>
#include <optional>
#include <string>

namespace osteon::pipelines {

struct PatientInfo {
  std::string sex;          // "M", "F", "O" or empty (as stored, upper case, trimmed)
  std::string birth_date;   // YYYYMMDD or empty
  std::string age;          // Patient's Age, e.g. "007Y", or empty
  std::string study_date;   // YYYYMMDD or empty
  std::string content_date; // fallback when Study Date is empty
};

/// Reads the attributes (pixel data is not loaded). Throws Error(dicom_unparseable).
PatientInfo read_patient_info(const std::filesystem::path& file);

/// Days since 1970-01-01 of a DICOM date (YYYYMMDD); nothing when malformed or impossible.
std::optional<long> parse_dicom_date(const std::string& date);

/// Chronological age in months: (study date - birth date) in days / (365.2425 / 12), or from
/// Patient's Age (nnnD/W/M/Y) when a date is missing. `source` says which ("birth and study
/// date" or "Patient's Age"). Nothing when neither gives a plausible age (negative, > 150 y).
struct ChronologicalAge {
  double months = 0;
  std::string source;
};
std::optional<ChronologicalAge> chronological_age(const PatientInfo& patient);

} // namespace osteon::pipelines
