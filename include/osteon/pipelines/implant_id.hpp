#pragma once
// Hip implant identification on an AP hip/pelvis radiograph (model implant_id and the catalogue
// models/implant_catalogue.json; MODEL_CARD.md "Preprocessing" is the contract):
//   decode -> working image (longer side 512) -> metal segmentation (the brightest structures:
//   threshold far above the bone level, opening, components large enough to be an implant) ->
//   one region per side (image left = patient's right) -> 128x128 crop (bounding-box centre,
//   side 1.15 x the larger extent) with contrast -> implant_id -> top-3 designs with
//   probabilities from the catalogue -> "unknown design" when the top probability is below the
//   threshold (profile unknown_threshold, default: the model's own calibrated threshold from
//   its manifest) -> "no implant found" when there is no metal region.
// SC: the implant outlined and labelled per side.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "osteon/pipelines/models.hpp"
#include "osteon/pipelines/pipeline.hpp"

namespace osteon::pipelines {

struct CatalogueDesign {
  std::string id, manufacturer, model;
};

/// Reads models/implant_catalogue.json (designs in file order). Throws Error(config_invalid).
std::vector<CatalogueDesign> load_implant_catalogue(const std::filesystem::path& file);

class ImplantIdPipeline final : public Pipeline {
 public:
  /// The entry model: implant presence per side from the whole image; its domain check decides
  /// whether the image is analysed at all.
  static constexpr const char* detect_model = "implant_detect";
  static constexpr const char* classifier_model = "implant_id";

  ImplantIdPipeline(std::shared_ptr<inference::Scheduler> scheduler, const inference::Registry& registry,
                    std::vector<CatalogueDesign> catalogue);
  ImplantIdPipeline(ModelSet models, std::vector<CatalogueDesign> catalogue);

  std::string name() const override { return "implant_id"; }
  std::optional<std::string> unavailable_reason() const override;
  Finding run(const JobInput& input) override;

  /// The model's calibrated unknown threshold (parsed from its manifest's `unknown` output
  /// meaning or description); nothing when the manifest does not state one.
  std::optional<double> model_threshold() const { return model_threshold_; }

 private:
  Finding analyse(const JobInput& input, detail::RunContext& ctx) const;

  ModelSet models_;
  std::vector<CatalogueDesign> catalogue_;
  std::optional<double> model_threshold_;
};

} // namespace osteon::pipelines
