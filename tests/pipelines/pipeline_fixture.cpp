#include "pipeline_fixture.hpp"

#include <memory>

#include <catch2/catch.hpp>

namespace osteon::test {
namespace {

struct Scratch {
  std::filesystem::path root = eval::temp_dir("osteon-test-pipelines");
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }
};

} // namespace

eval::Runtime& runtime() {
  static std::unique_ptr<eval::Runtime> rt = eval::Runtime::load(eval::default_models_dir(), 2);
  return *rt;
}

void require_models(const std::string& pipeline) {
  const auto why = runtime().missing(pipeline);
  INFO("pipeline " << pipeline << " cannot run with the models in " << runtime().models_dir.string() << ": "
                   << why.value_or("") << " -- train them (tools/train/train_all.sh) or set OSTEON_MODELS_DIR");
  REQUIRE_FALSE(why.has_value());
}

std::filesystem::path scratch(const std::string& name) {
  static Scratch s;
  const auto dir = s.root / name;
  std::filesystem::create_directories(dir);
  return dir;
}

bool burned_in(const pipelines::Finding& f, const std::string& text) {
  if (!f.illustration) return false;
  for (const auto& l : f.illustration->burned_in_text) {
    if (l.find(text) != std::string::npos) return true;
  }
  return false;
}

} // namespace osteon::test
