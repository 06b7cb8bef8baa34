#include "torch_fixtures.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <memory>

#include "process.hpp"

namespace osteon::inference::test {

namespace fs = std::filesystem;

const fs::path& fixtures_dir() {
  static const fs::path dir = [] {
    const fs::path shared = OSTEON_INFERENCE_FIXTURES;
    if (fs::exists(shared / ".complete")) return shared;
    static osteon::test::TempDir own("osteon-inference-fixtures");
    const auto result = osteon::test::run({OSTEON_TORCH_PYTHON, OSTEON_SOURCE_DIR "/tools/models/make_fixtures.py", "--out",
                                           own.path().string()},
                                          std::chrono::seconds(300));
    INFO(result.output);
    REQUIRE(result.exit_code == 0);  // no torch for the fixture generator: fail, never skip
    REQUIRE(fs::exists(own.path() / ".complete"));
    return own.path();
  }();
  return dir;
}

void copy_fixture(const std::string& name, const fs::path& models_dir) {
  fs::create_directories(models_dir / name);
  fs::copy(fixtures_dir() / name, models_dir / name, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

InferenceSettings cpu_settings(const fs::path& models_dir) {
  InferenceSettings s;
  s.models_dir = models_dir;
  // OSTEON_INFERENCE_TEST_DEVICE=auto|cuda runs the suite on a GPU; the default is the CPU.
  const char* device = std::getenv("OSTEON_INFERENCE_TEST_DEVICE");
  s.device = parse_device_choice(device && *device ? device : "cpu");
  s.intra_op_threads = 2;
  return s;
}

} // namespace osteon::inference::test
