// Bone age pipeline (see bone_age.hpp; models/hand_seg and models/bone_age MODEL_CARD.md).
#include "osteon/pipelines/bone_age.hpp"

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

Finding BoneAgePipeline::analyse(const JobInput& input, detail::RunContext& ctx) const {
  Finding f = detail::start_finding(models_, std::nullopt);
  const auto& age_manifest = models_.manifest(age_model);
  nlohmann::json& data = ctx.data;
  data["pipeline"] = "bone_age";
  data["models"] = detail::model_list(models_, {seg_model, age_model});
  if (!input.parameters.profile.empty()) data["profile"] = input.parameters.profile;

  const double min_age = input.parameters.number("min_age_months", 0.0);
  const double max_age = input.parameters.number("max_age_months", 228.0);
  detail::HandLimits limits;
  limits.min_fraction = input.parameters.number("min_mask_fraction", limits.min_fraction);

  auto& clock = ctx.clock;
  {
    // ---- decode (the source and its patient module)
    PatientInfo patient;
    const detail::Working& w = ctx.decode(input, [&](const dicom::DicomFile& source) { patient = dicom::read_patient_info(source); });
    data["working_image"] = {{"rows", w.work.rows}, {"cols", w.work.cols}, {"mapping", w.mapping}};

    // ---- hand_seg
    const detail::Letterboxed seg_in = detail::letterbox(w.work, seg_side);
    clock.lap("preprocess");
    const auto seg_out = ctx.calls.run(seg_model, detail::entry_inputs(models_.manifest(seg_model), detail::to_tensor(seg_in.canvas), w));
    clock.lap("model:hand_seg");
    const cv::Mat1f prob = detail::plane(seg_out.at(0), seg_side, seg_side);
    // Display: hand_contrast's alpha and beta on the [0, 1] source (its card), when installed.
    imaging::Image display = w.display;
    data["display"] = "stored window (presentation state of the source)";
    if (contrast_.available()) {
      const auto ab = ctx.calls.run_optional(contrast_, {detail::to_tensor(seg_in.canvas)});
      if (ab && ab->size() == 1 && ab->at(0).size() >= 2) {
        const double alpha = ab->at(0).values()[0], beta = ab->at(0).values()[1];
        if (std::isfinite(alpha) && std::isfinite(beta) && alpha > 0.05 && alpha < 50) {
          cv::Mat1f shown;
          w.source01.convertTo(shown, CV_32F, alpha, beta);
          cv::min(cv::max(shown, 0.0), 1.0, shown);
          display = imaging::Image(shown.rows, shown.cols,
                                   std::vector<float>(shown.begin(), shown.end()));
          data["display"] = fmt::format("hand_contrast {}: alpha {:.3f}, beta {:.3f}", contrast_.manifest->version, alpha, beta);
        }
      }
      clock.lap("model:hand_contrast");
    }
    cv::Mat1f region = prob(seg_in.placed).clone(), up;
    cv::resize(region, up, w.work.size(), 0, 0, cv::INTER_LINEAR);
    cv::Mat1b mask = detail::to_mask(up > 0.5f);

    const detail::HandShape shape = detail::measure_hand(mask);
    data["mask"] = {{"fraction", shape.fraction},       {"largest_share", shape.largest_share},
                    {"max_runs", shape.max_runs},       {"split_centre", shape.split_centre},
                    {"thumb_side", shape.thumb_side},   {"top_contact", shape.top_contact},
                    {"side_contact", shape.side_contact},
                    {"top_forearm", shape.top_forearm},     {"bottom_contact", shape.bottom_contact}};

    // The SC: source with the hand outline (and later the attention and numbers).
    auto render = [&](const std::vector<std::string>& extra, const cv::Mat1f* heat) {
      detail::ScCanvas sc(display);
      if (heat) sc.heatmap(*heat, 0.35, 0.35, "attention");
      // No hand outline on an image a domain check refused: it would look like a finding.
      const auto& v = ctx.calls.verdicts();
      if (std::none_of(v.begin(), v.end(), [](const inference::DomainVerdict& d) { return !d.in_domain; })) {
        cv::Mat1b src_mask;
        cv::resize(mask, src_mask, cv::Size(w.src_cols, w.src_rows), 0, 0, cv::INTER_NEAREST);
        sc.outline(src_mask, cv::Scalar(0, 220, 0), std::max(2, w.src_cols / 400));
      }
      auto lines = detail::sc_header(age_manifest.name + " " + age_manifest.version + " + hand_seg",
                                     models_.manifest(seg_model).version, ctx.calls);
      lines.insert(lines.end(), extra.begin(), extra.end());
      return sc.finish(lines, "hand mask outline (green) and bone_age attention map over the source");
    };
    auto not_analysable = [&](const std::string& reason) {
      f.outcome = Outcome::not_analysable;
      f.summary = "not analysable: " + reason;
      data["not_analysable"] = reason;
      f.result = results::NotAnalysable{results::AnalysisKind::bone_age, reason};
      f.illustration = render({"Bone age: NOT ANALYSABLE", reason}, nullptr);
      clock.lap("render");
      return f;
    };

    // ---- bone_age input: contrast over the mask, zero outside, crop to the mask, letterbox 256
    // (an empty mask: the whole image, as tools/train/chain.py bone_age_crop)
    const bool empty_mask = shape.bbox.area() <= 0;
    const cv::Mat1b crop_mask = empty_mask ? cv::Mat1b(mask.size(), 255) : mask;
    const cv::Rect box = empty_mask ? cv::Rect(0, 0, mask.cols, mask.rows) : shape.bbox;
    cv::Mat1f v = w.work.clone();
    detail::contrast(v, &crop_mask);
    v.setTo(0.0f, crop_mask == 0);
    const detail::Letterboxed age_in = detail::letterbox(v(box).clone(), age_side);

    if (const auto problem = detail::hand_problem(shape, limits)) {
      // Domain first: an image unlike bone_age's training crops is refused as such (with its
      // score), not only by a shape rule that assumes a hand radiograph.
      const std::string reason =
          detail::domain_first(ctx.calls, age_model, {detail::to_tensor(age_in.canvas), inference::Tensor({1}, {0.0f})}, *problem);
      clock.lap("postprocess");
      return not_analysable(reason);
    }

    // Sex: 1 male, 0 female. Unknown: both, and the mean.
    std::vector<float> sexes;
    std::string sex_used;
    if (patient.sex == "M") {
      sexes = {1.0f};
      sex_used = "M (Patient's Sex)";
    } else if (patient.sex == "F") {
      sexes = {0.0f};
      sex_used = "F (Patient's Sex)";
    } else {
      sexes = {0.0f, 1.0f};
      sex_used = fmt::format("unknown (Patient's Sex {}): default = mean of the female and male estimates",
                             patient.sex.empty() ? "missing" : "'" + patient.sex + "'");
    }
    clock.lap("preprocess_crop");
    std::vector<double> estimates;
    cv::Mat1f attention(16, 16, 0.0f);
    for (const float s : sexes) {
      auto out = ctx.calls.run(age_model, {detail::to_tensor(age_in.canvas), inference::Tensor({1}, {s})});
      estimates.push_back(out.at(0).values().at(0));
      attention += detail::to_float(detail::plane(out.at(1), 16, 16) / static_cast<double>(sexes.size()));
    }
    clock.lap("model:bone_age");
    double bone_age = 0;
    for (const double e : estimates) bone_age += e / static_cast<double>(estimates.size());
    data["sex"] = sex_used;
    data["sex_default_used"] = sexes.size() > 1;
    if (sexes.size() > 1) data["bone_age_female_months"] = estimates[0], data["bone_age_male_months"] = estimates[1];

    const auto chrono = chronological_age(patient);
    if (!std::isfinite(bone_age) || bone_age < min_age || bone_age > max_age) {
      clock.lap("postprocess");
      return not_analysable(fmt::format("bone age estimate outside the model's range ({:.0f}-{:.0f} months); no "
                                        "estimate is reported",
                                        min_age, max_age));
    }
    // Skeletal maturity ends the scale: a chronological age well beyond it cannot be compared.
    if (chrono && (chrono->months > max_age + 24.0 || chrono->months < min_age)) {
      clock.lap("postprocess");
      return not_analysable(fmt::format("chronological age {:.0f} months ({}) outside the model's range ({:.0f}-{:.0f} "
                                        "months)",
                                        chrono->months, chrono->source, min_age, max_age));
    }

    results::BoneAgeFinding finding;
    finding.bone_age_months = bone_age;
    finding.laterality = results::Laterality::left;
    data["bone_age_months"] = bone_age;
    data["bone_age_years"] = bone_age / 12.0;
    std::vector<std::string> lines;
    lines.push_back(fmt::format("Bone age: {} ({:.1f} months)", years_months(bone_age), bone_age));
    std::string summary = fmt::format("bone age {} ({:.1f} months)", years_months(bone_age), bone_age);
    if (chrono) {
      finding.chronological_age_months = chrono->months;
      const double diff = bone_age - chrono->months;
      data["chronological_age_months"] = chrono->months;
      data["chronological_age_source"] = chrono->source;
      data["difference_months"] = diff;
      lines.push_back(fmt::format("Chronological age: {} ({:.1f} months)", years_months(chrono->months), chrono->months));
      lines.push_back(fmt::format("Difference (bone - chronological): {:+.1f} months", diff));
      summary += fmt::format("; chronological age {} ({:.1f} months); difference {:+.1f} months",
                             years_months(chrono->months), chrono->months, diff);
    } else {
      data["chronological_age_months"] = nullptr;
      data["chronological_age_source"] = "unknown: no Patient's Birth Date with a Study Date, no Patient's Age";
      lines.push_back("Chronological age: unknown (no birth date / age in the header)");
      summary += "; chronological age unknown";
    }
    lines.push_back("Sex used: " + sex_used);
    summary += "; sex " + sex_used;

    // Attention (16x16 over the 256 letterbox) back onto the source, inside the hand.
    cv::Mat1f att256, region_att, box_att;
    cv::resize(attention, att256, cv::Size(age_side, age_side), 0, 0, cv::INTER_LINEAR);
    region_att = att256(age_in.placed);
    cv::resize(region_att, box_att, box.size(), 0, 0, cv::INTER_LINEAR);
    cv::Mat1f heat_work(w.work.size(), 0.0f);
    box_att.copyTo(heat_work(box), mask(box));
    cv::Mat1f heat;
    cv::resize(heat_work, heat, cv::Size(w.src_cols, w.src_rows), 0, 0, cv::INTER_LINEAR);
    clock.lap("postprocess");

    f.illustration = render(lines, &heat);
    clock.lap("render");
    f.outcome = Outcome::done;
    f.summary = summary;
    f.result = finding;
    return f;
  }
}

} // namespace osteon::pipelines
