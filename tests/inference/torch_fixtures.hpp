#pragma once
// The TorchScript fixtures of tools/models/make_fixtures.py: generated once by the ctest fixture
// inference_fixtures (into OSTEON_INFERENCE_FIXTURES), or, when a test binary runs on its own,
// by the test itself into a temporary directory. Generation failing is a test failure.
#include <filesystem>
#include <string>

#include "osteon/inference/settings.hpp"

namespace osteon::inference::test {

/// The directory holding tiny_classifier/, tiny_echo/, tiny_two_input/.
const std::filesystem::path& fixtures_dir();
/// A private copy of some fixture model directories, to be tampered with.
void copy_fixture(const std::string& name, const std::filesystem::path& models_dir);
/// CPU settings for a models directory (no warm-up delays beyond one run).
InferenceSettings cpu_settings(const std::filesystem::path& models_dir);

} // namespace osteon::inference::test
