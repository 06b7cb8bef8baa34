// Internal: patient and study attributes that are consistent with each other (dates, age).
#pragma once

#include "scene.hpp"

#include <string>

namespace osteon::phantom {

struct StudyInfo {
  long study_day = 0;  // days since 1970-01-01
  long birth_day = 0;
  int study_seconds = 0;  // time of day
  std::string accession;
};

// Draws the study date and time; the birth date follows from the patient's age.
StudyInfo draw_study(const Patient& patient, Rng& rng);
std::string dicom_date(long days_since_epoch);
std::string dicom_time(int seconds);
// Patient's Age (AS) from the two dates: "nnnY" from 2 years, "nnnM" from 1 month, else "nnnD".
std::string dicom_age(long birth_day, long study_day);
// Chronological age in months from the two dates.
double age_months(long birth_day, long study_day);

}  // namespace osteon::phantom
