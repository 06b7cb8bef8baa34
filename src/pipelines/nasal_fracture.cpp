// Nasal fracture pipeline (see nasal_fracture.hpp; models/nasal_localiser, nasal_fracture and
// nasal_anomaly MODEL_CARD.md).
#include "osteon/pipelines/nasal_fracture.hpp"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "run_context.hpp"
#include "sc_canvas.hpp"
#include "osteon/core/error.hpp"

namespace osteon::pipelines {
namespace {

constexpr int loc_side = 128;
constexpr int crop_side = 256;
constexpr double side_factor = 2.0;
constexpr double min_side = 32.0;
constexpr int fine_side = 1024;

/// The source at longer side 1024 (area resize; the source itself when it already is), the image
/// the nasal crop is sampled from.
struct Fine {
  cv::Mat1f image;
  double fx = 1.0, fy = 1.0;  // source pixels per fine pixel
  cv::Point2d from_source(cv::Point2d p) const { return {(p.x + 0.5) / fx - 0.5, (p.y + 0.5) / fy - 0.5}; }
  cv::Point2d to_source(cv::Point2d p) const { return {(p.x + 0.5) * fx - 0.5, (p.y + 0.5) * fy - 0.5}; }
};

Fine make_fine(const detail::Working& w) {
  Fine f;
  const double s = static_cast<double>(fine_side) / std::max(w.src_rows, w.src_cols);
  const int rows = std::max(1, static_cast<int>(std::floor(w.src_rows * s + 0.5)));
  const int cols = std::max(1, static_cast<int>(std::floor(w.src_cols * s + 0.5)));
  if (rows == w.src_rows && cols == w.src_cols) {
    f.image = w.source01;
  } else {
    cv::resize(w.source01, f.image, cv::Size(cols, rows), 0, 0, cv::INTER_AREA);
  }
  f.fx = static_cast<double>(w.src_cols) / cols;
  f.fy = static_cast<double>(w.src_rows) / rows;
  return f;
}

} // namespace

NasalFracturePipeline::NasalFracturePipeline(std::shared_ptr<inference::Scheduler> scheduler,
                                             const inference::Registry& registry)
    : models_(std::move(scheduler), {model_ref(registry, localiser_model), model_ref(registry, classifier_model),
                                     model_ref(registry, anomaly_model)}) {}

NasalFracturePipeline::NasalFracturePipeline(ModelSet models) : models_(std::move(models)) {}

Finding NasalFracturePipeline::run(const JobInput& input) {
  return detail::run_checked(models_, {results::AnalysisKind::nasal_fracture, models_.names(), models_.versions()},
                             models_.unavailable_reason(), [&](detail::RunContext& ctx) { return analyse(input, ctx); });
}

Finding NasalFracturePipeline::analyse(const JobInput& input, detail::RunContext& ctx) const {
  Finding f = detail::start_finding(models_, std::nullopt);
  const auto& clf = models_.manifest(classifier_model);
  nlohmann::json& data = ctx.data;
  data["pipeline"] = "nasal_fracture";
  data["models"] = detail::model_list(models_, {localiser_model, classifier_model, anomaly_model});
  if (!input.parameters.profile.empty()) data["profile"] = input.parameters.profile;
  double suspicious = input.parameters.number("suspicious_threshold", default_suspicious);
  double definite = input.parameters.number("definite_threshold", default_definite);
  if (definite < suspicious) std::swap(definite, suspicious);
  data["operating_points"] = {{"suspicious", suspicious}, {"definite", definite}};

  auto& clock = ctx.clock;
  {
    const detail::Working& w = ctx.decode(input);

    // ---- localiser: 128 letterbox with contrast over the resized pixels
    const detail::Letterboxed loc_in = detail::letterbox(w.work, loc_side, true);
    clock.lap("preprocess");
    const auto loc_out =
        ctx.calls.run(localiser_model, detail::entry_inputs(models_.manifest(localiser_model), detail::to_tensor(loc_in.canvas), w));
    clock.lap("model:nasal_localiser");
    const auto& lm = loc_out.at(0).values();
    const cv::Point2d nasion = loc_in.from_input({lm.at(0), lm.at(1)});
    const cv::Point2d tip = loc_in.from_input({lm.at(2), lm.at(3)});
    double heat_peak[2] = {0, 0};
    if (loc_out.size() > 1) {
      const auto& hm = loc_out[1].values();
      const std::size_t plane = hm.size() / 2;
      for (std::size_t k = 0; k < 2; ++k) {
        for (std::size_t i = 0; i < plane; ++i) heat_peak[k] = std::max(heat_peak[k], static_cast<double>(hm[k * plane + i]));
      }
    }
    const cv::Point2d nasion_src = w.to_source(nasion), tip_src = w.to_source(tip);
    const double length = std::hypot(tip.x - nasion.x, tip.y - nasion.y);
    data["nasion"] = {nasion_src.x, nasion_src.y};
    data["tip"] = {tip_src.x, tip_src.y};
    data["landmark_heatmap_peaks"] = {heat_peak[0], heat_peak[1]};
    data["nasal_length_working_px"] = length;

    auto not_analysable = [&](const std::string& reason) {
      f.outcome = Outcome::not_analysable;
      f.summary = "not analysable: " + reason;
      data["not_analysable"] = reason;
      f.result = results::NotAnalysable{results::AnalysisKind::nasal_fracture, reason};
      detail::ScCanvas sc(w.display);
      auto lines = detail::sc_header(clf.name, clf.version, ctx.calls);
      lines.push_back("Nasal fracture: NOT ANALYSABLE");
      lines.push_back(reason);
      f.illustration = sc.finish(lines, "source with the reason the nasal bone could not be analysed");
      clock.lap("render");
      return f;
    };
    // ---- crop from the fine image (longer side 1024: the breaks are 0.5-1.4 mm wide and do not
    // survive the 512-px working image): centre (N+T)/2, side max(2|T-N|, 32) fine pixels,
    // contrast over the crop (models/nasal_fracture/MODEL_CARD.md)
    const Fine fine = make_fine(w);
    const cv::Point2d nasion_fine = fine.from_source(nasion_src), tip_fine = fine.from_source(tip_src);
    const double cx = (nasion_fine.x + tip_fine.x) / 2.0, cy = (nasion_fine.y + tip_fine.y) / 2.0;
    const double side = std::max(side_factor * std::hypot(tip_fine.x - nasion_fine.x, tip_fine.y - nasion_fine.y), min_side);
    cv::Mat1f crop = detail::square_crop(fine.image, cx, cy, side, crop_side);
    detail::contrast(crop);
    clock.lap("crop");

    // The landmark rules assume a lateral skull; when they fail, the classifier still looks at the
    // crop first, so that an image unlike its training crops is refused as such (with its score).
    const auto inside = [&](cv::Point2d p) { return p.x >= 0 && p.y >= 0 && p.x < w.work.cols && p.y < w.work.rows; };
    // Working image pixels are about 0.56 mm for a 28 cm field: nasal bones are 17-28 mm.
    const double max_len = 0.25 * std::max(w.work.cols, w.work.rows), min_len = 0.02 * std::max(w.work.cols, w.work.rows);
    std::string problem;
    if (!inside(nasion) || !inside(tip)) {
      problem = "nasal bone not found: the localised nasion or tip lies outside the image";
    } else if (length < min_len || length > max_len) {
      problem = fmt::format("nasal bone not found: nasion-tip distance {:.0f} px is implausible for a lateral skull "
                            "({:.0f}-{:.0f} px expected at the working resolution)",
                            length, min_len, max_len);
    }
    if (!problem.empty()) {
      const std::string reason = detail::domain_first(ctx.calls, classifier_model, {detail::to_tensor(crop)}, problem);
      clock.lap("postprocess");
      return not_analysable(reason);
    }
    const auto clf_out = ctx.calls.run(classifier_model, {detail::to_tensor(crop)});
    clock.lap("model:nasal_fracture");

    const double p = clf_out.at(0).values().at(0);
    const auto an_out = ctx.calls.run(anomaly_model, {detail::to_tensor(crop)});
    clock.lap("model:nasal_anomaly");
    const cv::Mat1f anomaly = detail::plane(an_out.at(1), crop_side, crop_side);
    cv::Point peak_uv;
    double peak_value = 0;
    cv::minMaxLoc(anomaly, nullptr, &peak_value, nullptr, &peak_uv);
    const cv::Point2d peak_src = fine.to_source(detail::from_crop(cv::Point2d(peak_uv.x, peak_uv.y), cx, cy, side, crop_side));

    results::NasalFractureFinding finding;
    finding.probability = std::clamp(p, 0.0, 1.0);
    std::string decision;
    if (p >= definite) {
      finding.decision = results::Presence::present;
      finding.operating_point = "definite (high specificity)";
      finding.threshold = definite;
      decision = "fracture (definite)";
    } else if (p >= suspicious) {
      finding.decision = results::Presence::present;
      finding.operating_point = "suspicious (high sensitivity)";
      finding.threshold = suspicious;
      decision = "suspicious for fracture";
    } else {
      finding.decision = results::Presence::absent;
      finding.operating_point = "suspicious (high sensitivity)";
      finding.threshold = suspicious;
      decision = "no fracture";
    }
    if (p >= suspicious) finding.peak = results::PixelLocation{peak_src.x, peak_src.y};
    data["probability"] = p;
    data["decision"] = decision;
    data["suspicious"] = p >= suspicious;
    data["definite"] = p >= definite;
    data["anomaly_peak"] = {peak_src.x, peak_src.y};
    const cv::Point2d centre_src = fine.to_source({cx, cy});
    data["crop"] = {{"centre", {centre_src.x, centre_src.y}}, {"side_source_px", side * fine.fx}};

    // Anomaly map onto the source (crop pixel -> fine image -> source), scaled by the probability
    // so that a confident "no fracture" shows (almost) nothing.
    const double k = side / crop_side;  // fine px per crop px
    const double a = k * fine.fx, d = k * fine.fy;
    const double bx = (cx - side / 2.0 + 0.5 * k + 0.5) * fine.fx - 0.5;
    const double by = (cy - side / 2.0 + 0.5 * k + 0.5) * fine.fy - 0.5;
    cv::Mat m = (cv::Mat_<double>(2, 3) << a, 0, bx, 0, d, by);
    cv::Mat1f heat;
    cv::warpAffine(detail::to_float(anomaly * p), heat, m, cv::Size(w.src_cols, w.src_rows), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
    clock.lap("postprocess");

    detail::ScCanvas sc(w.display);
    sc.heatmap(heat, 0.2, 0.5, "anomaly x probability");
    if (finding.peak) sc.marker(peak_src, cv::Scalar(0, 255, 255));
    auto lines = detail::sc_header(clf.name + " " + clf.version + " + " + anomaly_model,
                                   models_.manifest(anomaly_model).version, ctx.calls);
    lines.push_back(fmt::format("Nasal fracture probability: {:.2f}", p));
    lines.push_back(fmt::format("Decision: {} (suspicious >= {:.2f}, definite >= {:.2f})", decision, suspicious, definite));
    if (finding.peak) lines.push_back(fmt::format("Anomaly peak at column {:.0f}, row {:.0f}", peak_src.x, peak_src.y));
    f.illustration = sc.finish(lines, "nasal anomaly heatmap (|x - G(x)| x attention x probability) over the source");
    clock.lap("render");

    f.outcome = Outcome::done;
    f.summary = fmt::format("nasal fracture probability {:.2f}: {}", p, decision);
    if (finding.peak) f.summary += fmt::format("; anomaly peak at ({:.0f}, {:.0f})", peak_src.x, peak_src.y);
    f.result = finding;
    return f;
  }
}

} // namespace osteon::pipelines
