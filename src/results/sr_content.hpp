#pragma once
// Builds the SR content tree (TID 1500) of a report plan into a DCMTK document. Internal.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmsr/dsrdoc.h>

#include <optional>

#include "content_plan.hpp"
#include "dcmtk_support.hpp"

namespace osteon::results::detail {

/// Sets the document's tree from a TID 1500 report for `plan` about `source`, changes the
/// document to `ctx.sr_class`, and adds what DCMTK 3.6.7's template classes cannot: the
/// Target Region fix for hips, the anomaly peak SCOORD, the illustration IMAGE and TID 4019
/// in every measurement group.
void build_content(DSRDocument& doc, const ReportPlan& plan, const SourceImage& source,
                   const ResultContext& ctx, const std::optional<ObjectReference>& illustration);

} // namespace osteon::results::detail
