#pragma once
// The composition helper for the app layer: every AI pipeline, keyed by its id (bone_age,
// nasal_fracture, implant_id), sharing one scheduler. A pipeline whose models are missing from
// the registry is still returned; its unavailable_reason() says which and why (the job engine
// keeps its jobs waiting).
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "osteon/inference/registry.hpp"
#include "osteon/inference/scheduler.hpp"
#include "osteon/pipelines/pipeline.hpp"

namespace osteon::pipelines {

/// Model names every pipeline needs (for InferenceSettings::allow_missing / required).
const std::vector<std::string>& pipeline_model_names();

/// models_dir: where implant_catalogue.json lives (the registry's models directory). A missing
/// or invalid catalogue makes implant_id unavailable with the reason (it never throws for it).
std::map<std::string, std::shared_ptr<Pipeline>> make_pipelines(std::shared_ptr<inference::Scheduler> scheduler,
                                                                 const inference::Registry& registry,
                                                                 const std::filesystem::path& models_dir);

} // namespace osteon::pipelines
