#pragma once
// The runtime (models, scheduler, pipelines), loaded once per test process, and helpers.
#include <filesystem>
#include <string>

#include "osteon/eval/harness.hpp"

namespace osteon::test {

/// Loaded on first use from eval::default_models_dir().
eval::Runtime& runtime();
/// REQUIREs that every model of the pipeline is present (a clear failure otherwise).
void require_models(const std::string& pipeline);
/// A temporary directory removed at process exit.
std::filesystem::path scratch(const std::string& name);
/// Does any burned-in line contain `text`?
bool burned_in(const pipelines::Finding& f, const std::string& text);

} // namespace osteon::test
