#pragma once
// The patient attributes the pipelines need beyond the indexed ones, and the chronological age
// made of them. Reading them from the file is the dicom layer's (osteon/dicom/patient_info.hpp);
// the names below keep the pipelines' spelling.
#include <optional>
#include <string>

#include "osteon/dicom/patient_info.hpp"

namespace osteon::pipelines {

using dicom::PatientInfo;
using dicom::parse_dicom_date;
using dicom::read_patient_info;

/// Chronological age in months: (study date - birth date) in days / (365.2425 / 12), or from
/// Patient's Age (nnnD/W/M/Y) when a date is missing. `source` says which ("birth and study
/// date" or "Patient's Age"). Nothing when neither gives a plausible age (negative, > 150 y).
struct ChronologicalAge {
  double months = 0;
  std::string source;
};
std::optional<ChronologicalAge> chronological_age(const PatientInfo& patient);

} // namespace osteon::pipelines
