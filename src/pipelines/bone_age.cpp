// Bone age pipeline (see bone_age.hpp; models/hand_seg and models/bone_age MODEL_CARD.md).
#include "osteon/pipelines/bone_age.hpp"
#include "osteon/results/bone_age_reference.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "run_context.hpp"
#include "sc_canvas.hpp"
#include "hand_checks.hpp"
#include "osteon/core/error.hpp"
#include "osteon/dicom/patient_info.hpp"
#include "osteon/pipelines/patient.hpp"

namespace osteon::pipelines {
namespace {

constexpr int seg_side = 128;
constexpr int age_side = 256;

std::string years_months(double months) {
  const double m = std::max(0.0, months);
  const int y = static_cast<int>(std::floor(m / 12.0));
  const int mm = static_cast<int>(std::floor(m - 12.0 * y));
  return fmt::format("{} y {} m", y, mm);
}


} // namespace

BoneAgePipeline::BoneAgePipeline(std::shared_ptr<inference::Scheduler> scheduler, const inference::Registry& registry)
    : models_(std::move(scheduler), {model_ref(registry, seg_model), model_ref(registry, age_model)}),
      contrast_(model_ref(registry, contrast_model)) {}

BoneAgePipeline::BoneAgePipeline(ModelSet models, ModelRef contrast)
    : models_(std::move(models)), contrast_(std::move(contrast)) {}

Finding BoneAgePipeline::run(const JobInput& input) {
  return detail::run_checked(models_, {results::AnalysisKind::bone_age, models_.names(), models_.versions()},
                             models_.unavailable_reason(), [&](detail::RunContext& ctx) { return analyse(input, ctx); });
}

namespace {

// One job's run of the bone age pipeline. Its stages are the member functions analyse() calls,
// in order; each laps the run context's clock under its own name(s).
class BoneAgeRun {
 public:
  BoneAgeRun(const ModelSet& models, const ModelRef& contrast, const JobInput& input, detail::RunContext& ctx)
      : models_(models), contrast_(contrast), input_(input), ctx_(ctx), data_(ctx.data),
        finding_(detail::start_finding(models, std::nullopt)) {
    data_["pipeline"] = "bone_age";
    data_["models"] = detail::model_list(models_, {BoneAgePipeline::seg_model, BoneAgePipeline::age_model});
    if (!input.parameters.profile.empty()) data_["profile"] = input.parameters.profile;
    min_age_ = input.parameters.number("min_age_months", 0.0);
    max_age_ = input.parameters.number("max_age_months", 228.0);
    limits_.min_fraction = input.parameters.number("min_mask_fraction", limits_.min_fraction);
  }

  /// decode: the source and its patient module.
  void decode() {
    w_ = &ctx_.decode(input_, [&](const dicom::DicomFile& source) { patient_ = dicom::read_patient_info(source); });
    data_["working_image"] = {{"rows", w_->work.rows}, {"cols", w_->work.cols}, {"mapping", w_->mapping}};
  }

  /// preprocess, model:hand_seg, model:hand_contrast: the hand mask and its shape, and the display.
  void segment_hand() {
    const detail::Letterboxed seg_in = detail::letterbox(w_->work, seg_side);
    ctx_.clock.lap("preprocess");
    const auto seg_out = ctx_.calls.run(BoneAgePipeline::seg_model,
                                        detail::entry_inputs(models_.manifest(BoneAgePipeline::seg_model),
                                                             detail::to_tensor(seg_in.canvas), *w_));
    ctx_.clock.lap("model:hand_seg");
    const cv::Mat1f prob = detail::plane(seg_out.at(0), seg_side, seg_side);
    choose_display(seg_in);
    cv::Mat1f region = prob(seg_in.placed).clone(), up;
    cv::resize(region, up, w_->work.size(), 0, 0, cv::INTER_LINEAR);
    mask_ = detail::to_mask(up > 0.5f);
    shape_ = detail::measure_hand(mask_);
    data_["mask"] = {{"fraction", shape_.fraction},         {"largest_share", shape_.largest_share},
                     {"max_runs", shape_.max_runs},         {"split_centre", shape_.split_centre},
                     {"thumb_side", shape_.thumb_side},     {"top_contact", shape_.top_contact},
                     {"side_contact", shape_.side_contact}, {"top_forearm", shape_.top_forearm},
                     {"bottom_contact", shape_.bottom_contact}};
  }

  /// The bone_age input: contrast over the mask, zero outside, crop to the mask, letterbox 256 (an
  /// empty mask: the whole image, as tools/train/chain.py bone_age_crop). A hand the checks refuse
  /// gives the reason, domain first: an image unlike bone_age's training crops is refused as such
  /// (with its score), not only by a shape rule that assumes a hand radiograph.
  std::optional<std::string> crop_hand() {
    const bool empty_mask = shape_.bbox.area() <= 0;
    const cv::Mat1b crop_mask = empty_mask ? cv::Mat1b(mask_.size(), 255) : mask_;
    box_ = empty_mask ? cv::Rect(0, 0, mask_.cols, mask_.rows) : shape_.bbox;
    cv::Mat1f v = w_->work.clone();
    detail::contrast(v, &crop_mask);
    v.setTo(0.0f, crop_mask == 0);
    age_in_ = detail::letterbox(v(box_).clone(), age_side);
    if (const auto problem = detail::hand_problem(shape_, limits_)) {
      const std::string reason = detail::domain_first(
          ctx_.calls, BoneAgePipeline::age_model, {detail::to_tensor(age_in_.canvas), inference::Tensor({1}, {0.0f})},
          *problem);
      ctx_.clock.lap("postprocess");
      return reason;
    }
    return std::nullopt;
  }

  /// preprocess_crop, model:bone_age: the estimate for the patient's sex (unknown: the mean of
  /// both), with its attention map; outside the model's range (or a chronological age beyond it):
  /// the reason, and no number.
  std::optional<std::string> estimate() {
    // Sex: 1 male, 0 female. Unknown: both, and the mean.
    std::vector<float> sexes;
    if (patient_.sex == "M") {
      sexes = {1.0f};
      sex_used_ = "M (Patient's Sex)";
    } else if (patient_.sex == "F") {
      sexes = {0.0f};
      sex_used_ = "F (Patient's Sex)";
    } else {
      sexes = {0.0f, 1.0f};
      sex_used_ = fmt::format("unknown (Patient's Sex {}): default = mean of the female and male estimates",
                              patient_.sex.empty() ? "missing" : "'" + patient_.sex + "'");
    }
    ctx_.clock.lap("preprocess_crop");
    std::vector<double> estimates;
    attention_ = cv::Mat1f(16, 16, 0.0f);
    for (const float s : sexes) {
      auto out = ctx_.calls.run(BoneAgePipeline::age_model, {detail::to_tensor(age_in_.canvas), inference::Tensor({1}, {s})});
      estimates.push_back(out.at(0).values().at(0));
      attention_ += detail::to_float(detail::plane(out.at(1), 16, 16) / static_cast<double>(sexes.size()));
    }
    ctx_.clock.lap("model:bone_age");
    bone_age_ = 0;
    for (const double e : estimates) bone_age_ += e / static_cast<double>(estimates.size());
    data_["sex"] = sex_used_;
    data_["sex_default_used"] = sexes.size() > 1;
    if (sexes.size() > 1) data_["bone_age_female_months"] = estimates[0], data_["bone_age_male_months"] = estimates[1];

    chrono_ = chronological_age(patient_);
    if (!std::isfinite(bone_age_) || bone_age_ < min_age_ || bone_age_ > max_age_) {
      ctx_.clock.lap("postprocess");
      return fmt::format("bone age estimate outside the model's range ({:.0f}-{:.0f} months); no estimate is reported",
                         min_age_, max_age_);
    }
    // Skeletal maturity ends the scale: a chronological age well beyond it cannot be compared.
    if (chrono_ && (chrono_->months > max_age_ + 24.0 || chrono_->months < min_age_)) {
      ctx_.clock.lap("postprocess");
      return fmt::format("chronological age {:.0f} months ({}) outside the model's range ({:.0f}-{:.0f} months)",
                         chrono_->months, chrono_->source, min_age_, max_age_);
    }
    return std::nullopt;
  }

  /// postprocess, render: the finding, its summary and data, and the SC with the attention map.
  Finding report() {
    results::BoneAgeFinding finding;
    finding.bone_age_months = bone_age_;
    finding.laterality = results::Laterality::left;
    data_["bone_age_months"] = bone_age_;
    data_["bone_age_years"] = bone_age_ / 12.0;
    std::vector<std::string> lines;
    lines.push_back(fmt::format("Bone age: {} ({:.1f} months)", years_months(bone_age_), bone_age_));
    std::string summary = fmt::format("bone age {} ({:.1f} months)", years_months(bone_age_), bone_age_);
    if (chrono_) {
      finding.chronological_age_months = chrono_->months;
      const double diff = bone_age_ - chrono_->months;
      data_["chronological_age_months"] = chrono_->months;
      data_["chronological_age_source"] = chrono_->source;
      data_["difference_months"] = diff;
      lines.push_back(fmt::format("Chronological age: {} ({:.1f} months)", years_months(chrono_->months), chrono_->months));
      lines.push_back(fmt::format("Difference (bone - chronological): {:+.1f} months", diff));
      summary += fmt::format("; chronological age {} ({:.1f} months); difference {:+.1f} months",
                             years_months(chrono_->months), chrono_->months, diff);
    } else {
      data_["chronological_age_months"] = nullptr;
      data_["chronological_age_source"] = "unknown: no Patient's Birth Date with a Study Date, no Patient's Age";
      lines.push_back("Chronological age: unknown (no birth date / age in the header)");
      summary += "; chronological age unknown";
    }
    lines.push_back("Sex used: " + sex_used_);
    summary += "; sex " + sex_used_;
    // The SD score needs the patient's own sex (not the mean of both estimates).
    finding.sex = patient_.sex == "M" ? results::Sex::male : patient_.sex == "F" ? results::Sex::female : results::Sex::unknown;
    const auto sd = results::bone_age_sd_score(bone_age_, finding.chronological_age_months, finding.sex);
    if (sd.sd) {
      data_["sd_score"] = sd.sd->score;
      data_["sd_reference_months"] = sd.sd->sd_months;
      data_["sd_assessment"] = sd.sd->assessment();
      lines.push_back(fmt::format("SD score {:+.2f}: {} ({})", sd.sd->score, sd.sd->assessment(),
                                  results::bone_age_reference_name()));
      summary += fmt::format("; SD score {:+.2f} ({})", sd.sd->score, sd.sd->assessment());
    } else {
      data_["sd_score"] = nullptr;
      data_["sd_not_reported"] = sd.reason;
      lines.push_back("SD score not reported: " + sd.reason);
    }
    data_["sd_reference"] = results::bone_age_reference_name();
    finding.hand_outline = detail::outline_of(mask_, *w_);

    // Attention (16x16 over the 256 letterbox) back onto the source, inside the hand.
    cv::Mat1f att256, region_att, box_att;
    cv::resize(attention_, att256, cv::Size(age_side, age_side), 0, 0, cv::INTER_LINEAR);
    region_att = att256(age_in_.placed);
    cv::resize(region_att, box_att, box_.size(), 0, 0, cv::INTER_LINEAR);
    cv::Mat1f heat_work(w_->work.size(), 0.0f);
    box_att.copyTo(heat_work(box_), mask_(box_));
    cv::Mat1f heat;
    cv::resize(heat_work, heat, cv::Size(w_->src_cols, w_->src_rows), 0, 0, cv::INTER_LINEAR);
    ctx_.clock.lap("postprocess");

    finding_.illustration = render(lines, &heat);
    ctx_.clock.lap("render");
    finding_.outcome = Outcome::done;
    finding_.summary = summary;
    finding_.result = finding;
    return finding_;
  }

  /// render: the reason, and the SC that says it (never a number).
  Finding not_analysable(const std::string& reason) {
    detail::mark_not_analysable(finding_, results::AnalysisKind::bone_age, reason, data_);
    finding_.illustration = render({"Bone age: NOT ANALYSABLE", reason}, nullptr);
    ctx_.clock.lap("render");
    return finding_;
  }

 private:
  // Display: hand_contrast's alpha and beta on the [0, 1] source (its card), when installed.
  void choose_display(const detail::Letterboxed& seg_in) {
    display_ = w_->display;
    data_["display"] = "stored window (presentation state of the source)";
    if (!contrast_.available()) return;
    const auto ab = ctx_.calls.run_optional(contrast_, {detail::to_tensor(seg_in.canvas)});
    if (ab && ab->size() == 1 && ab->at(0).size() >= 2) {
      const double alpha = ab->at(0).values()[0], beta = ab->at(0).values()[1];
      if (std::isfinite(alpha) && std::isfinite(beta) && alpha > 0.05 && alpha < 50) {
        cv::Mat1f shown;
        w_->source01.convertTo(shown, CV_32F, alpha, beta);
        cv::min(cv::max(shown, 0.0), 1.0, shown);
        display_ = imaging::Image(shown.rows, shown.cols, std::vector<float>(shown.begin(), shown.end()));
        data_["display"] = fmt::format("hand_contrast {}: alpha {:.3f}, beta {:.3f}", contrast_.manifest->version, alpha, beta);
      }
    }
    ctx_.clock.lap("model:hand_contrast");
  }

  // The SC: source with the hand outline (and, when given, the attention) and the lines.
  results::ScContent render(const std::vector<std::string>& extra, const cv::Mat1f* heat) const {
    detail::ScCanvas sc(display_);
    if (heat) sc.heatmap(*heat, 0.35, 0.35, "attention");
    // No hand outline on an image a domain check refused: it would look like a finding.
    const auto& v = ctx_.calls.verdicts();
    if (std::none_of(v.begin(), v.end(), [](const inference::DomainVerdict& d) { return !d.in_domain; })) {
      cv::Mat1b src_mask;
      cv::resize(mask_, src_mask, cv::Size(w_->src_cols, w_->src_rows), 0, 0, cv::INTER_NEAREST);
      sc.outline(src_mask, cv::Scalar(0, 220, 0), std::max(2, w_->src_cols / 400));
    }
    const auto& age = models_.manifest(BoneAgePipeline::age_model);
    auto lines = detail::sc_header(age.name + " " + age.version + " + hand_seg",
                                   models_.manifest(BoneAgePipeline::seg_model).version, ctx_.calls);
    lines.insert(lines.end(), extra.begin(), extra.end());
    return sc.finish(lines, "hand mask outline (green) and bone_age attention map over the source");
  }

  const ModelSet& models_;
  const ModelRef& contrast_;
  const JobInput& input_;
  detail::RunContext& ctx_;
  nlohmann::json& data_;
  Finding finding_;
  double min_age_ = 0, max_age_ = 228;
  detail::HandLimits limits_;
  PatientInfo patient_;
  const detail::Working* w_ = nullptr;
  imaging::Image display_;
  cv::Mat1b mask_;
  detail::HandShape shape_;
  cv::Rect box_;
  detail::Letterboxed age_in_;
  std::string sex_used_;
  cv::Mat1f attention_;
  double bone_age_ = 0;
  std::optional<ChronologicalAge> chrono_;
};

} // namespace

// The stages, in order.
Finding BoneAgePipeline::analyse(const JobInput& input, detail::RunContext& ctx) const {
  BoneAgeRun run(models_, contrast_, input, ctx);
  run.decode();
  run.segment_hand();
  if (const auto reason = run.crop_hand()) return run.not_analysable(*reason);
  if (const auto reason = run.estimate()) return run.not_analysable(*reason);
  return run.report();
}

} // namespace osteon::pipelines
