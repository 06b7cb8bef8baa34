#pragma once
// Findings -> the content of the SR, as plain values (which groups, which items, which codes).
// Internal; DCMTK-free. The SR writer turns a plan into a DCMTK document.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "codes.hpp"
#include "osteon/results/findings.hpp"
#include "osteon/results/result_context.hpp"

namespace osteon::results {

struct NumItem {
  codes::Code concept_name;
  std::string value;  // DS text, e.g. "138.5"
  codes::Code unit;
};

/// One TID 1501 Measurement Group.
struct GroupPlan {
  std::string tracking_id;
  std::optional<codes::Code> method;
  std::optional<codes::Code> finding;
  codes::Code site;
  std::optional<codes::Code> laterality;
  std::vector<NumItem> measurements;
  std::vector<std::pair<codes::Code, codes::Code>> coded;       // qualitative CODE items
  std::vector<std::pair<codes::Code, std::string>> texts;       // qualitative TEXT items
  std::optional<PixelLocation> peak;  // SCOORD POINT under the probability measurement
  std::vector<std::string> algorithm_parameters;                // TID 4019 row 3
};

struct ReportPlan {
  std::vector<GroupPlan> groups;
  std::vector<std::string> comments;  // document-level Qualitative Evaluations, TEXT Comment
  bool uses_private_codes = false;
};

/// Validates the findings (throws osteon::Error invalid_argument) and lays out the report.
ReportPlan plan_report(const Findings& findings, const Algorithm& algorithm);

/// "0.87", "138.5", "-3": a finite value as DS text with at most `decimals` decimals.
std::string format_decimal(double value, int decimals);

} // namespace osteon::results
