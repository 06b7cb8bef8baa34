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

/// An image region (SCOORD, 2D, in the source's pixel space) that a group's first measurement is
/// INFERRED FROM (TID 300 -> TID 320), SELECTED FROM the source image.
struct RegionPlan {
  enum class Shape { point, polyline };
  Shape shape = Shape::point;
  std::vector<PixelLocation> points;  // polyline: closed (the first point repeated at the end)
  std::string what;                   // for people and logs: "anomaly peak", "hand outline"
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
  std::vector<RegionPlan> regions;    // SCOORDs under the first measurement
  std::vector<std::string> algorithm_parameters;                // TID 4019 row 3
};

struct ReportPlan {
  std::vector<GroupPlan> groups;
  std::vector<std::string> comments;  // document-level Qualitative Evaluations, TEXT Comment
  bool uses_private_codes = false;
};

/// Validates the findings (throws osteon::Error invalid_argument) and lays out the report.
ReportPlan plan_report(const Findings& findings, const Algorithm& algorithm);

/// Checks an outline (>= 3 finite, non-negative points) and returns it closed as a polyline
/// region; throws invalid_argument.
RegionPlan outline_region(const Outline& outline, const std::string& what);
RegionPlan point_region(const PixelLocation& at, const std::string& what);

/// Throws invalid_argument when a region's point lies outside a rows x cols image.
void require_inside(const ReportPlan& plan, unsigned rows, unsigned cols);

/// "0.87", "138.5", "-3": a finite value as DS text with at most `decimals` decimals.
std::string format_decimal(double value, int decimals);

} // namespace osteon::results
