#include "content_plan.hpp"

#include <cmath>
#include <fmt/format.h>

#include "osteon/core/error.hpp"
#include "osteon/results/bone_age_reference.hpp"

namespace osteon::results {
namespace {

[[noreturn]] void bad(const std::string& what) { throw Error(Errc::invalid_argument, "results: " + what); }

void require_range(double value, double low, double high, const char* what) {
  if (!std::isfinite(value) || value < low || value > high)
    bad(fmt::format("{} must be within {}..{}, got {}", what, low, high, value));
}

// A side's code (none when unknown) and the words for it.
struct Side {
  std::optional<codes::Code> code;
  std::string_view name;
};
Side side_of(Laterality laterality) {
  switch (laterality) {
    case Laterality::left: return {codes::left, "left"};
    case Laterality::right: return {codes::right, "right"};
    case Laterality::unknown: break;
  }
  return {std::nullopt, "side unknown"};
}

const codes::Code& presence_code(Presence presence) {
  switch (presence) {
    case Presence::present: return codes::present;
    case Presence::absent: return codes::absent;
    case Presence::undetermined: break;
  }
  return codes::undetermined;
}

// What an analysis is called and the site it looks at.
struct Kind {
  std::string_view title;
  const codes::Code& site;
};
Kind analysis_of(AnalysisKind kind) {
  switch (kind) {
    case AnalysisKind::bone_age: return {"Bone age assessment", codes::hand};
    case AnalysisKind::nasal_fracture: return {"Nasal bone fracture", codes::nasal_bone};
    case AnalysisKind::implant_id: break;
  }
  return {"Hip implant identification", codes::hip_joint};
}

GroupPlan plan_bone_age(const BoneAgeFinding& f) {
  require_range(f.bone_age_months, 0, 300, "bone age (months)");
  GroupPlan g;
  g.tracking_id = std::string(analysis_of(AnalysisKind::bone_age).title);
  g.method = f.method == BoneAgeMethod::greulich_pyle ? codes::greulich_pyle : codes::tanner_whitehouse_3;
  g.site = codes::hand;
  g.laterality = side_of(f.laterality).code;
  g.measurements.push_back({codes::bone_age, format_decimal(f.bone_age_months, 1), codes::unit_month});
  if (f.chronological_age_months) {
    const double age = *f.chronological_age_months;
    require_range(age, 0, 300, "chronological age (months)");
    g.measurements.push_back({codes::subject_age, format_decimal(age, 1), codes::unit_month});
    g.measurements.push_back(
        {codes::bone_age_difference, format_decimal(f.bone_age_months - age, 1), codes::unit_month});
  }
  // The SD score against the Greulich & Pyle reference, with its wording; or why there is none.
  const BoneAgeSdOutcome sd = bone_age_sd_score(f.bone_age_months, f.chronological_age_months, f.sex);
  if (sd.sd) {
    g.measurements.push_back({codes::bone_age_sd_score, format_decimal(sd.sd->score, 2), codes::unit_sd});
    g.texts.emplace_back(codes::bone_age_assessment,
                         fmt::format("{} (SD score {}, SD {} months at this age, {})", sd.sd->assessment(),
                                     format_decimal(sd.sd->score, 2), format_decimal(sd.sd->sd_months, 2),
                                     bone_age_reference_name()));
  } else {
    g.texts.emplace_back(codes::bone_age_assessment, "SD score not reported: " + sd.reason);
  }
  if (!f.hand_outline.empty()) g.regions.push_back(outline_region(f.hand_outline, "hand outline"));
  return g;
}

GroupPlan plan_fracture(const NasalFractureFinding& f) {
  require_range(f.probability, 0, 1, "fracture probability");
  GroupPlan g;
  g.tracking_id = std::string(analysis_of(AnalysisKind::nasal_fracture).title);
  g.finding = codes::fracture;
  g.site = codes::nasal_bone;
  g.measurements.push_back({codes::probability, format_decimal(f.probability, 4), codes::unit_none});
  g.coded.emplace_back(codes::fracture, presence_code(f.decision));
  if (f.peak) g.regions.push_back(point_region(*f.peak, "anomaly peak"));
  if (f.nasion) g.regions.push_back(point_region(*f.nasion, "nasion"));
  if (f.tip) g.regions.push_back(point_region(*f.tip, "nasal bone tip"));
  if (!f.operating_point.empty()) g.algorithm_parameters.push_back("operating point: " + f.operating_point);
  if (f.threshold) {
    require_range(*f.threshold, 0, 1, "fracture threshold");
    g.algorithm_parameters.push_back("decision threshold (probability): " + format_decimal(*f.threshold, 4));
  }
  return g;
}

GroupPlan plan_implant_side(const ImplantSide& side) {
  GroupPlan g;
  g.tracking_id = fmt::format("{} ({})", analysis_of(AnalysisKind::implant_id).title, side_of(side.side).name);
  g.finding = codes::prosthesis;
  g.site = codes::hip_joint;
  g.laterality = side_of(side.side).code;
  if (!side.implant_found) {
    if (!side.candidates.empty()) bad("implant candidates given for a side without implant");
    g.coded.emplace_back(codes::prosthesis, codes::absent);
    return g;
  }
  g.coded.emplace_back(codes::prosthesis, codes::present);
  if (side.candidates.empty() && !side.unknown_design) bad("an identified implant needs at least one candidate");
  for (const auto& c : side.candidates) {
    require_range(c.probability, 0, 1, "implant candidate probability");
    if (c.manufacturer.empty() || c.model.empty()) bad("implant candidate without manufacturer or model");
  }
  if (!side.candidates.empty())
    g.measurements.push_back({codes::probability, format_decimal(side.candidates.front().probability, 4), codes::unit_none});
  // The outline hangs under the probability; without a candidate there is none to carry it.
  if (!side.outline.empty() && !side.candidates.empty()) g.regions.push_back(outline_region(side.outline, "implant outline"));
  std::size_t first_alternative = 0;
  if (side.unknown_design) {
    g.coded.emplace_back(codes::implant_design, codes::unknown);
  } else {
    g.texts.emplace_back(codes::device_manufacturer, side.candidates.front().manufacturer);
    g.texts.emplace_back(codes::device_model, side.candidates.front().model);
    first_alternative = 1;
  }
  for (std::size_t i = first_alternative; i < side.candidates.size(); ++i) {
    const auto& c = side.candidates[i];
    g.texts.emplace_back(codes::alternative_candidate,
                         fmt::format("rank {}: {} {} (probability {})", i + 1, c.manufacturer, c.model,
                                     format_decimal(c.probability, 4)));
  }
  if (!side.candidates.empty()) g.algorithm_parameters.push_back(fmt::format("top-k: {}", side.candidates.size()));
  return g;
}

std::vector<GroupPlan> plan_implant(const ImplantFinding& f) {
  std::vector<GroupPlan> groups;
  if (f.sides.empty()) {
    ImplantSide none;
    none.implant_found = false;
    groups.push_back(plan_implant_side(none));
    groups.back().tracking_id = std::string(analysis_of(AnalysisKind::implant_id).title);
    return groups;
  }
  for (std::size_t i = 0; i < f.sides.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (f.sides[i].side == f.sides[j].side) bad("two implant results for the same side");
  for (const auto& side : f.sides) groups.push_back(plan_implant_side(side));
  return groups;
}

GroupPlan plan_not_analysable(const NotAnalysable& f) {
  if (f.reason.empty()) bad("a not-analysable result needs a reason");
  GroupPlan g;
  g.tracking_id = fmt::format("{} (not analysable)", analysis_of(f.kind).title);
  g.site = analysis_of(f.kind).site;
  g.texts.emplace_back(codes::comment, "could not analyse: " + f.reason);
  return g;
}

} // namespace

RegionPlan point_region(const PixelLocation& at, const std::string& what) {
  if (!std::isfinite(at.column) || !std::isfinite(at.row) || at.column < 0 || at.row < 0)
    bad(what + " location must be finite and not negative");
  return {RegionPlan::Shape::point, {at}, what};
}

RegionPlan outline_region(const Outline& outline, const std::string& what) {
  if (outline.size() < 3) bad(what + " needs at least 3 points");
  RegionPlan r{RegionPlan::Shape::polyline, {}, what};
  for (const auto& p : outline) r.points.push_back(point_region(p, what).points.front());
  const auto& first = r.points.front();
  const auto& last = r.points.back();
  if (first.column != last.column || first.row != last.row) r.points.push_back(first);
  return r;
}

void require_inside(const ReportPlan& plan, unsigned rows, unsigned cols) {
  for (const auto& g : plan.groups)
    for (const auto& r : g.regions)
      for (const auto& p : r.points)
        if (p.column >= cols || p.row >= rows)
          bad(fmt::format("{} location ({}, {}) outside the {}x{} source", r.what, p.column, p.row, cols, rows));
}

std::string format_decimal(double value, int decimals) {
  if (!std::isfinite(value)) bad("a measurement value is not finite");
  std::string s = fmt::format("{:.{}f}", value, decimals);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  if (s.size() > 16) bad("measurement value too long for DS: " + s);
  return s;
}

ReportPlan plan_report(const Findings& findings, const Algorithm& algorithm) {
  if (algorithm.name.empty() || algorithm.version.empty()) bad("algorithm name and version are required");
  ReportPlan plan;
  std::visit(
      [&plan](const auto& f) {
        using T = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<T, BoneAgeFinding>) plan.groups.push_back(plan_bone_age(f));
        else if constexpr (std::is_same_v<T, NasalFractureFinding>) plan.groups.push_back(plan_fracture(f));
        else if constexpr (std::is_same_v<T, ImplantFinding>) plan.groups = plan_implant(f);
        else plan.groups.push_back(plan_not_analysable(f));
      },
      findings);
  plan.comments.push_back(disclaimer(algorithm));
  if (const auto* na = std::get_if<NotAnalysable>(&findings)) plan.comments.push_back("could not analyse: " + na->reason);
  for (auto& g : plan.groups) {
    for (const auto& p : algorithm.parameters) g.algorithm_parameters.push_back(p);
    g.algorithm_parameters.push_back("training data: " + algorithm.training_data);
  }
  const auto is_private = [](const codes::Code& c) { return c.scheme == codes::private_scheme; };
  for (const auto& g : plan.groups) {
    if (g.method && is_private(*g.method)) plan.uses_private_codes = true;
    for (const auto& m : g.measurements) plan.uses_private_codes |= is_private(m.concept_name);
    for (const auto& [c, v] : g.coded) plan.uses_private_codes |= is_private(c) || is_private(v);
    for (const auto& t : g.texts) plan.uses_private_codes |= is_private(t.first);
  }
  return plan;
}

} // namespace osteon::results
