#pragma once
// Small statistics for osteon-eval.
#include <vector>

namespace osteon::eval {

/// ROC AUC by ranks (ties averaged); NaN without both classes.
double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels);
/// Percentile by linear interpolation (numpy's default); NaN for an empty list.
double percentile(std::vector<double> values, double percent);
double mean(const std::vector<double>& values);

} // namespace osteon::eval
