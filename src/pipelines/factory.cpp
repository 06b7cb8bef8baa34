// The pipelines for the app layer (see factory.hpp).
#include "osteon/pipelines/factory.hpp"

#include "osteon/pipelines/bone_age.hpp"
#include "osteon/pipelines/implant_id.hpp"
#include "osteon/pipelines/nasal_fracture.hpp"

namespace osteon::pipelines {

const std::vector<std::string>& pipeline_model_names() {
  static const std::vector<std::string> names{"hand_seg",       "bone_age",      "hand_contrast",  "nasal_localiser",
                                              "nasal_fracture", "nasal_anomaly", "implant_detect", "implant_id"};
  return names;
}

std::map<std::string, std::shared_ptr<Pipeline>> make_pipelines(std::shared_ptr<inference::Scheduler> scheduler,
                                                                 const inference::Registry& registry,
                                                                 const std::filesystem::path& models_dir) {
  std::map<std::string, std::shared_ptr<Pipeline>> out;
  out["bone_age"] = std::make_shared<BoneAgePipeline>(scheduler, registry);
  out["nasal_fracture"] = std::make_shared<NasalFracturePipeline>(scheduler, registry);
  std::vector<CatalogueDesign> catalogue;
  try {
    catalogue = load_implant_catalogue(models_dir / "implant_catalogue.json");
  } catch (const std::exception&) {
    catalogue.clear();  // implant_id reports itself unavailable (no catalogue)
  }
  out["implant_id"] = std::make_shared<ImplantIdPipeline>(scheduler, registry, std::move(catalogue));
  return out;
}

} // namespace osteon::pipelines
