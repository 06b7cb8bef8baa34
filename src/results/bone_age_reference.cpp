#include "osteon/results/bone_age_reference.hpp"

#include <array>
#include <cmath>
#include <span>

#include <fmt/format.h>

namespace osteon::results {
namespace {

struct Row {
  double age_months;
  double sd_months;
};

// Greulich & Pyle (1959), standard deviations of skeletal age in the Brush Foundation Study, in
// months, at the atlas's chronological ages (3, 6, 9 months, 1, 1.5, 2 ... 5 years, then
// yearly). Facts from the atlas, as tabulated there.
constexpr std::array<Row, 24> boys{{{3, 0.69},    {6, 1.13},    {9, 1.43},    {12, 1.97},   {18, 3.52},
                                    {24, 3.92},   {30, 4.52},   {36, 5.08},   {42, 5.40},   {48, 6.66},
                                    {54, 8.36},   {60, 8.79},   {72, 9.17},   {84, 8.91},   {96, 9.10},
                                    {108, 9.00},  {120, 9.79},  {132, 10.09}, {144, 10.38}, {156, 10.44},
                                    {168, 10.72}, {180, 11.32}, {192, 12.86}, {204, 13.05}}};
constexpr std::array<Row, 23> girls{{{3, 0.72},    {6, 1.16},    {9, 1.36},    {12, 1.77},   {18, 3.49},
                                     {24, 4.64},   {30, 5.37},   {36, 5.97},   {42, 7.48},   {48, 8.98},
                                     {54, 10.73},  {60, 11.65},  {72, 10.23},  {84, 9.64},   {96, 10.23},
                                     {108, 10.74}, {120, 11.73}, {132, 11.94}, {144, 10.24}, {156, 10.67},
                                     {168, 11.30}, {180, 9.23},  {192, 7.31}}};

std::span<const Row> table(Sex sex) {
  if (sex == Sex::male) return boys;
  return girls;
}

} // namespace

std::string BoneAgeSdScore::assessment() const {
  if (score > 2.0) return "advanced beyond 2 SD";
  if (score < -2.0) return "delayed beyond 2 SD";
  return "within 2 SD";
}

std::optional<double> bone_age_reference_sd(double age, Sex sex) {
  if (sex == Sex::unknown || !std::isfinite(age)) return std::nullopt;
  const auto rows = table(sex);
  if (age < rows.front().age_months || age > rows.back().age_months) return std::nullopt;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    if (age <= rows[i].age_months) {
      const Row& a = rows[i - 1];
      const Row& b = rows[i];
      const double t = (age - a.age_months) / (b.age_months - a.age_months);
      return a.sd_months + t * (b.sd_months - a.sd_months);
    }
  }
  return rows.back().sd_months;
}

BoneAgeSdOutcome bone_age_sd_score(double bone_age, std::optional<double> chronological_age, Sex sex) {
  BoneAgeSdOutcome out;
  if (!chronological_age) {
    out.reason = "no chronological age (Patient's Age or Birth Date)";
    return out;
  }
  if (sex == Sex::unknown) {
    out.reason = "Patient's Sex unknown (the reference is per sex)";
    return out;
  }
  const auto rows = table(sex);
  const auto sd = bone_age_reference_sd(*chronological_age, sex);
  if (!sd) {
    out.reason = fmt::format("chronological age {:.1f} months is outside the reference's range for {} ({:.0f} to {:.0f} "
                             "months)",
                             *chronological_age, sex == Sex::male ? "boys" : "girls", rows.front().age_months,
                             rows.back().age_months);
    return out;
  }
  out.sd = BoneAgeSdScore{(bone_age - *chronological_age) / *sd, *sd};
  return out;
}

std::string_view bone_age_reference_name() { return "Greulich & Pyle 1959, Brush Foundation Study"; }

} // namespace osteon::results
