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

namespace {

// One job's run of the nasal fracture pipeline. Its stages are the member functions analyse()
// calls, in order; each laps the run context's clock under its own name(s).
class NasalRun {
 public:
  NasalRun(const ModelSet& models, const JobInput& input, detail::RunContext& ctx)
      : models_(models), input_(input), ctx_(ctx), data_(ctx.data), finding_(detail::start_finding(models, std::nullopt)),
        clf_(models.manifest(NasalFracturePipeline::classifier_model)) {
    data_["pipeline"] = "nasal_fracture";
    data_["models"] = detail::model_list(models_, {NasalFracturePipeline::localiser_model,
                                                   NasalFracturePipeline::classifier_model,
                                                   NasalFracturePipeline::anomaly_model});
    if (!input.parameters.profile.empty()) data_["profile"] = input.parameters.profile;
    suspicious_ = input.parameters.number("suspicious_threshold", NasalFracturePipeline::default_suspicious);
    definite_ = input.parameters.number("definite_threshold", NasalFracturePipeline::default_definite);
    if (definite_ < suspicious_) std::swap(definite_, suspicious_);
    data_["operating_points"] = {{"suspicious", suspicious_}, {"definite", definite_}};
  }

  /// decode.
  void decode() { w_ = &ctx_.decode(input_); }

  /// preprocess, model:nasal_localiser: nasion and tip (128 letterbox with contrast over the
  /// resized pixels).
  void localise() {
    const detail::Letterboxed loc_in = detail::letterbox(w_->work, loc_side, true);
    ctx_.clock.lap("preprocess");
    const auto loc_out = ctx_.calls.run(NasalFracturePipeline::localiser_model,
                                        detail::entry_inputs(models_.manifest(NasalFracturePipeline::localiser_model),
                                                             detail::to_tensor(loc_in.canvas), *w_));
    ctx_.clock.lap("model:nasal_localiser");
    const auto& lm = loc_out.at(0).values();
    nasion_ = loc_in.from_input({lm.at(0), lm.at(1)});
    tip_ = loc_in.from_input({lm.at(2), lm.at(3)});
    double heat_peak[2] = {0, 0};
    if (loc_out.size() > 1) {
      const auto& hm = loc_out[1].values();
      const std::size_t plane = hm.size() / 2;
      for (std::size_t k = 0; k < 2; ++k) {
        for (std::size_t i = 0; i < plane; ++i) heat_peak[k] = std::max(heat_peak[k], static_cast<double>(hm[k * plane + i]));
      }
    }
    nasion_src_ = w_->to_source(nasion_);
    tip_src_ = w_->to_source(tip_);
    length_ = std::hypot(tip_.x - nasion_.x, tip_.y - nasion_.y);
    data_["nasion"] = {nasion_src_.x, nasion_src_.y};
    data_["tip"] = {tip_src_.x, tip_src_.y};
    data_["landmark_heatmap_peaks"] = {heat_peak[0], heat_peak[1]};
    data_["nasal_length_working_px"] = length_;
  }

  /// crop: from the fine image (longer side 1024: the breaks are 0.5-1.4 mm wide and do not
  /// survive the 512-px working image), centre (N+T)/2, side max(2|T-N|, 32) fine pixels, contrast
  /// over the crop (models/nasal_fracture/MODEL_CARD.md). Landmarks the rules for a lateral skull
  /// refuse give the reason; the classifier still looks at the crop first, so that an image unlike
  /// its training crops is refused as such (with its score).
  std::optional<std::string> crop() {
    fine_ = make_fine(*w_);
    const cv::Point2d nasion_fine = fine_.from_source(nasion_src_), tip_fine = fine_.from_source(tip_src_);
    cx_ = (nasion_fine.x + tip_fine.x) / 2.0;
    cy_ = (nasion_fine.y + tip_fine.y) / 2.0;
    side_ = std::max(side_factor * std::hypot(tip_fine.x - nasion_fine.x, tip_fine.y - nasion_fine.y), min_side);
    crop_ = detail::square_crop(fine_.image, cx_, cy_, side_, crop_side);
    detail::contrast(crop_);
    ctx_.clock.lap("crop");

    const auto inside = [&](cv::Point2d p) { return p.x >= 0 && p.y >= 0 && p.x < w_->work.cols && p.y < w_->work.rows; };
    // Working image pixels are about 0.56 mm for a 28 cm field: nasal bones are 17-28 mm.
    const double max_len = 0.25 * std::max(w_->work.cols, w_->work.rows);
    const double min_len = 0.02 * std::max(w_->work.cols, w_->work.rows);
    std::string problem;
    if (!inside(nasion_) || !inside(tip_)) {
      problem = "nasal bone not found: the localised nasion or tip lies outside the image";
    } else if (length_ < min_len || length_ > max_len) {
      problem = fmt::format("nasal bone not found: nasion-tip distance {:.0f} px is implausible for a lateral skull "
                            "({:.0f}-{:.0f} px expected at the working resolution)",
                            length_, min_len, max_len);
    }
    if (problem.empty()) return std::nullopt;
    const std::string reason =
        detail::domain_first(ctx_.calls, NasalFracturePipeline::classifier_model, {detail::to_tensor(crop_)}, problem);
    ctx_.clock.lap("postprocess");
    return reason;
  }

  /// model:nasal_fracture, model:nasal_anomaly: the probability and the anomaly map of the crop.
  void classify() {
    const auto clf_out = ctx_.calls.run(NasalFracturePipeline::classifier_model, {detail::to_tensor(crop_)});
    ctx_.clock.lap("model:nasal_fracture");
    p_ = clf_out.at(0).values().at(0);
    const auto an_out = ctx_.calls.run(NasalFracturePipeline::anomaly_model, {detail::to_tensor(crop_)});
    ctx_.clock.lap("model:nasal_anomaly");
    anomaly_ = detail::plane(an_out.at(1), crop_side, crop_side);
  }

  /// postprocess, render: the decision at the operating points, the data, and the SC with the
  /// anomaly map.
  Finding report() {
    cv::Point peak_uv;
    double peak_value = 0;
    cv::minMaxLoc(anomaly_, nullptr, &peak_value, nullptr, &peak_uv);
    const cv::Point2d peak_src =
        fine_.to_source(detail::from_crop(cv::Point2d(peak_uv.x, peak_uv.y), cx_, cy_, side_, crop_side));

    results::NasalFractureFinding finding;
    finding.probability = std::clamp(p_, 0.0, 1.0);
    std::string decision;
    if (p_ >= definite_) {
      finding.decision = results::Presence::present;
      finding.operating_point = "definite (high specificity)";
      finding.threshold = definite_;
      decision = "fracture (definite)";
    } else if (p_ >= suspicious_) {
      finding.decision = results::Presence::present;
      finding.operating_point = "suspicious (high sensitivity)";
      finding.threshold = suspicious_;
      decision = "suspicious for fracture";
    } else {
      finding.decision = results::Presence::absent;
      finding.operating_point = "suspicious (high sensitivity)";
      finding.threshold = suspicious_;
      decision = "no fracture";
    }
    if (p_ >= suspicious_) finding.peak = detail::location(peak_src, *w_);
    finding.nasion = detail::location(nasion_src_, *w_);
    finding.tip = detail::location(tip_src_, *w_);
    data_["probability"] = p_;
    data_["decision"] = decision;
    data_["suspicious"] = p_ >= suspicious_;
    data_["definite"] = p_ >= definite_;
    data_["anomaly_peak"] = {peak_src.x, peak_src.y};
    const cv::Point2d centre_src = fine_.to_source({cx_, cy_});
    data_["crop"] = {{"centre", {centre_src.x, centre_src.y}}, {"side_source_px", side_ * fine_.fx}};

    // Anomaly map onto the source (crop pixel -> fine image -> source), scaled by the probability
    // so that a confident "no fracture" shows (almost) nothing.
    const double k = side_ / crop_side;  // fine px per crop px
    const double a = k * fine_.fx, d = k * fine_.fy;
    const double bx = (cx_ - side_ / 2.0 + 0.5 * k + 0.5) * fine_.fx - 0.5;
    const double by = (cy_ - side_ / 2.0 + 0.5 * k + 0.5) * fine_.fy - 0.5;
    cv::Mat m = (cv::Mat_<double>(2, 3) << a, 0, bx, 0, d, by);
    cv::Mat1f heat;
    cv::warpAffine(detail::to_float(anomaly_ * p_), heat, m, cv::Size(w_->src_cols, w_->src_rows), cv::INTER_LINEAR,
                   cv::BORDER_CONSTANT, 0);
    ctx_.clock.lap("postprocess");

    detail::ScCanvas sc(w_->display);
    sc.heatmap(heat, 0.2, 0.5, "anomaly x probability");
    if (finding.peak) sc.marker(peak_src, cv::Scalar(0, 255, 255));
    auto lines = detail::sc_header(clf_.name + " " + clf_.version + " + " + NasalFracturePipeline::anomaly_model,
                                   models_.manifest(NasalFracturePipeline::anomaly_model).version, ctx_.calls);
    lines.push_back(fmt::format("Nasal fracture probability: {:.2f}", p_));
    lines.push_back(
        fmt::format("Decision: {} (suspicious >= {:.2f}, definite >= {:.2f})", decision, suspicious_, definite_));
    if (finding.peak) lines.push_back(fmt::format("Anomaly peak at column {:.0f}, row {:.0f}", peak_src.x, peak_src.y));
    finding_.illustration =
        sc.finish(lines, "nasal anomaly heatmap (|x - G(x)| x attention x probability) over the source");
    ctx_.clock.lap("render");

    finding_.outcome = Outcome::done;
    finding_.summary = fmt::format("nasal fracture probability {:.2f}: {}", p_, decision);
    if (finding.peak) finding_.summary += fmt::format("; anomaly peak at ({:.0f}, {:.0f})", peak_src.x, peak_src.y);
    finding_.result = finding;
    return finding_;
  }

  /// render: the reason, and the SC that says it.
  Finding not_analysable(const std::string& reason) {
    detail::mark_not_analysable(finding_, results::AnalysisKind::nasal_fracture, reason, data_);
    detail::ScCanvas sc(w_->display);
    auto lines = detail::sc_header(clf_.name, clf_.version, ctx_.calls);
    lines.push_back("Nasal fracture: NOT ANALYSABLE");
    lines.push_back(reason);
    finding_.illustration = sc.finish(lines, "source with the reason the nasal bone could not be analysed");
    ctx_.clock.lap("render");
    return finding_;
  }

 private:
  const ModelSet& models_;
  const JobInput& input_;
  detail::RunContext& ctx_;
  nlohmann::json& data_;
  Finding finding_;
  const inference::Manifest& clf_;
  double suspicious_ = 0, definite_ = 0;
  const detail::Working* w_ = nullptr;
  cv::Point2d nasion_, tip_, nasion_src_, tip_src_;
  double length_ = 0;
  Fine fine_;
  double cx_ = 0, cy_ = 0, side_ = 0;
  cv::Mat1f crop_;
  double p_ = 0;
  cv::Mat1f anomaly_;
};

} // namespace

// The stages, in order.
Finding NasalFracturePipeline::analyse(const JobInput& input, detail::RunContext& ctx) const {
  NasalRun run(models_, input, ctx);
  run.decode();
  run.localise();
  if (const auto reason = run.crop()) return run.not_analysable(*reason);
  run.classify();
  return run.report();
}

} // namespace osteon::pipelines
