#pragma once
// Bone age from a left-hand PA radiograph (models hand_seg and bone_age; their MODEL_CARD.md
// "Preprocessing" sections are the contract this pipeline reproduces):
//   decode -> working image (stored range to the 8-bit scale, MONOCHROME1 inverted, area resize
//   to longer side 512) -> hand_seg (128 letterbox) -> mask checks -> contrast over the mask,
//   crop to the mask, letterbox 256 -> bone_age(image, sex) -> months, chronological age,
//   difference -> SC with the mask outline, attention overlay and the numbers burned in.
// Not analysable (never a number): no hand / not a hand, mask too small, hand cut off at the
// border, hand upside down, right hand or mirrored image (thumb on the wrong side), bone age
// or chronological age outside the model's range (profile min_age_months / max_age_months).
// The SC's brightness/contrast comes from the optional hand_contrast model when installed.
// Missing Patient's Sex: the model runs with both sexes, the mean is reported and the
// summary and data say "sex unknown: mean of female and male" (the default used).
#include <memory>

#include "osteon/pipelines/models.hpp"
#include "osteon/pipelines/pipeline.hpp"

namespace osteon::pipelines {

class BoneAgePipeline final : public Pipeline {
 public:
  static constexpr const char* seg_model = "hand_seg";
  static constexpr const char* age_model = "bone_age";
  /// Optional: brightness/contrast (alpha, beta) for the SC display of the hand. Without it the
  /// SC shows the source with its stored window.
  static constexpr const char* contrast_model = "hand_contrast";

  BoneAgePipeline(std::shared_ptr<inference::Scheduler> scheduler, const inference::Registry& registry);
  explicit BoneAgePipeline(ModelSet models, ModelRef contrast = {});

  std::string name() const override { return "bone_age"; }
  std::optional<std::string> unavailable_reason() const override { return models_.unavailable_reason(); }
  Finding run(const JobInput& input) override;

 private:
  Finding analyse(const JobInput& input, detail::RunContext& ctx) const;

  ModelSet models_;
  ModelRef contrast_;
};

} // namespace osteon::pipelines
