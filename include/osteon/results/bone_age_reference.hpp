#pragma once
// Bone age as an SD score: (bone age - chronological age) / the standard deviation of skeletal
// age at that chronological age and sex, from the Greulich & Pyle atlas's reference table.
//
// Reference: W. W. Greulich, S. I. Pyle, "Radiographic Atlas of Skeletal Development of the Hand
// and Wrist", 2nd edition, Stanford University Press, 1959: standard deviations of skeletal age
// (months) by chronological age in the Brush Foundation Study (Cleveland), boys 3 months to 17
// years, girls 3 months to 16 years. Between the table's ages the SD is interpolated linearly;
// outside them no SD score is reported. Torch-, OpenCV- and DCMTK-free.
#include <optional>
#include <string>
#include <string_view>

#include "osteon/results/findings.hpp"

namespace osteon::results {

struct BoneAgeSdScore {
  double score = 0;      // (bone age - chronological age) / sd_months
  double sd_months = 0;  // the reference SD at this chronological age and sex
  /// "advanced beyond 2 SD", "delayed beyond 2 SD" or "within 2 SD".
  std::string assessment() const;
};

/// The SD score, or why there is none (`reason`): no chronological age, sex unknown, age
/// outside the reference's range.
struct BoneAgeSdOutcome {
  std::optional<BoneAgeSdScore> sd;
  std::string reason;
};

BoneAgeSdOutcome bone_age_sd_score(double bone_age_months, std::optional<double> chronological_age_months, Sex sex);

/// The reference SD (months) at a chronological age, or nothing outside the table's range.
std::optional<double> bone_age_reference_sd(double chronological_age_months, Sex sex);

/// "Greulich & Pyle 1959, Brush Foundation Study": the reference, for SR, SC and GSPS text.
std::string_view bone_age_reference_name();

} // namespace osteon::results
