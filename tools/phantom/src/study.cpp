#include "study.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace osteon::phantom {
namespace {

constexpr double days_per_month = 365.2425 / 12.0;

struct Civil {
  long year;
  unsigned month, day;
};

bool leap(long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
long year_days(long y) { return leap(y) ? 366 : 365; }
unsigned month_days(long y, unsigned m) {
  static constexpr unsigned days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29u : days[m - 1];
}

// Days since 1970-01-01 <-> Gregorian date, by plain counting (dates here span ~1940-2030).
long days_from_civil(long y, unsigned m, unsigned d) {
  long days = 0;
  for (long year = 1970; year < y; ++year) days += year_days(year);
  for (long year = y; year < 1970; ++year) days -= year_days(year);
  for (unsigned month = 1; month < m; ++month) days += month_days(y, month);
  return days + static_cast<long>(d) - 1;
}

Civil civil_from_days(long z) {
  long y = 1970;
  while (z < 0) z += year_days(--y);
  while (z >= year_days(y)) z -= year_days(y++);
  unsigned m = 1;
  while (z >= static_cast<long>(month_days(y, m))) z -= month_days(y, m++);
  return {y, m, static_cast<unsigned>(z) + 1};
}

}  // namespace

StudyInfo draw_study(const Patient& patient, Rng& rng) {
  StudyInfo s;
  const long first = days_from_civil(2021, 1, 1), last = days_from_civil(2025, 12, 31);
  s.study_day = first + static_cast<long>(rng.index(static_cast<std::size_t>(last - first + 1)));
  s.birth_day = s.study_day - std::lround(patient.age_months * days_per_month);
  s.study_seconds = 7 * 3600 + static_cast<int>(rng.index(11 * 3600));
  char buf[32];
  std::snprintf(buf, sizeof buf, "PH%010llu",
                static_cast<unsigned long long>(rng.bits() % 10000000000ull));
  s.accession = buf;
  return s;
}

std::string dicom_date(long days) {
  const Civil c = civil_from_days(days);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04ld%02u%02u", c.year, c.month, c.day);
  return buf;
}

std::string dicom_time(int seconds) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d%02d%02d", seconds / 3600 % 24, seconds / 60 % 60,
                seconds % 60);
  return buf;
}

std::string dicom_age(long birth_day, long study_day) {
  const Civil b = civil_from_days(birth_day), s = civil_from_days(study_day);
  long months = (s.year - b.year) * 12 + static_cast<long>(s.month) - static_cast<long>(b.month);
  if (s.day < b.day) --months;
  char buf[32];
  if (months >= 24) std::snprintf(buf, sizeof buf, "%03ldY", std::min(999L, months / 12));
  else if (months >= 1) std::snprintf(buf, sizeof buf, "%03ldM", months);
  else std::snprintf(buf, sizeof buf, "%03ldD", std::clamp(study_day - birth_day, 0L, 999L));
  return buf;
}

double age_months(long birth_day, long study_day) {
  return static_cast<double>(study_day - birth_day) / days_per_month;
}

}  // namespace osteon::phantom
