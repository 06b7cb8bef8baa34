#pragma once
// Nasal bone fracture on a lateral skull radiograph (models nasal_localiser, nasal_fracture,
// nasal_anomaly; their MODEL_CARD.md "Preprocessing" sections are the contract):
//   decode -> working image (longer side 512) -> localiser (128 letterbox, contrast) -> nasion
//   and tip -> 256x256 crop (centre (N+T)/2, side max(2|T-N|, 32)) with contrast -> fracture
//   probability -> decision at two operating points from the profile (suspicious_threshold,
//   high sensitivity; definite_threshold, high specificity) -> anomaly map (nasal_anomaly) ->
//   peak in source-image pixels -> SC heatmap over the nasal region with a colour legend.
// Decision: p >= definite: present ("definite"); p >= suspicious: present ("suspicious");
// else absent. Not analysable: landmarks outside the image or implausibly close together.
#include <memory>

#include "osteon/pipelines/models.hpp"
#include "osteon/pipelines/pipeline.hpp"

namespace osteon::pipelines {

class NasalFracturePipeline final : public Pipeline {
 public:
  static constexpr const char* localiser_model = "nasal_localiser";
  static constexpr const char* classifier_model = "nasal_fracture";
  static constexpr const char* anomaly_model = "nasal_anomaly";
  static constexpr double default_suspicious = 0.30;
  static constexpr double default_definite = 0.70;

  NasalFracturePipeline(std::shared_ptr<inference::Scheduler> scheduler, const inference::Registry& registry);
  explicit NasalFracturePipeline(ModelSet models);

  std::string name() const override { return "nasal_fracture"; }
  std::optional<std::string> unavailable_reason() const override { return models_.unavailable_reason(); }
  Finding run(const JobInput& input) override;

 private:
  Finding analyse(const JobInput& input, detail::RunContext& ctx) const;

  ModelSet models_;
};

} // namespace osteon::pipelines
