// Chronological age from the patient attributes (see patient.hpp). The attributes themselves
// are read by the dicom layer (osteon/dicom/patient_info.hpp).
#include "osteon/pipelines/patient.hpp"

#include <algorithm>
#include <cctype>

namespace osteon::pipelines {
namespace {

constexpr double days_per_month = 365.2425 / 12.0;

} // namespace

std::optional<ChronologicalAge> chronological_age(const PatientInfo& patient) {
  const auto birth = parse_dicom_date(patient.birth_date);
  auto study = parse_dicom_date(patient.study_date);
  std::string study_name = "Study Date";
  if (!study) {
    study = parse_dicom_date(patient.content_date);
    study_name = "Content Date";
  }
  if (birth && study) {
    const double months = static_cast<double>(*study - *birth) / days_per_month;
    if (months >= 0 && months <= 150 * 12) return ChronologicalAge{months, "Patient's Birth Date and " + study_name};
  }
  const std::string& a = patient.age;
  if (a.size() == 4 && std::all_of(a.begin(), a.begin() + 3, [](unsigned char ch) { return std::isdigit(ch); })) {
    const double n = std::stod(a.substr(0, 3));
    double months = -1;
    switch (a[3]) {
      case 'D': months = n / days_per_month; break;
      case 'W': months = n * 7.0 / days_per_month; break;
      case 'M': months = n; break;
      case 'Y': months = n * 12.0; break;
      default: break;
    }
    if (months >= 0 && months <= 150 * 12) return ChronologicalAge{months, "Patient's Age " + a};
  }
  return std::nullopt;
}

} // namespace osteon::pipelines
