// Registry start-up checks with a fake loader (no LibTorch): the same rules apply to every backend.
#include <catch2/catch.hpp>

#include <fstream>

#include "fake_model.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/sha256.hpp"
#include "osteon/inference/registry.hpp"
#include "process.hpp"

using namespace osteon;
using namespace osteon::inference;
namespace fs = std::filesystem;
using inference::test::FakeModel;
using inference::test::fake_manifest;

namespace {

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

/// models/<name>/ with a "model file" (any bytes: the fake loader does not read it).
void make_model_dir(const fs::path& root, const std::string& name) {
  const fs::path dir = root / name;
  write(dir / "model.pt", "weights of " + name);
  write(dir / "MODEL_CARD.md", "# " + name + "\n");
  Manifest m = fake_manifest(name);
  m.sha256 = sha256_file(dir / "model.pt");
  write(dir / "manifest.json", to_json(m));
}

struct Loader {
  Shape output_shape{1};
  int calls = 0;
  std::shared_ptr<Model> operator()(const Manifest& m) {
    ++calls;
    auto model = std::make_shared<FakeModel>(m);
    model->output_shape(output_shape);
    return model;
  }
};

Error load_error(const InferenceSettings& settings, Loader& loader) {
  try {
    Registry::load(settings, std::ref(loader));
  } catch (const Error& e) {
    return e;
  }
  FAIL("the registry loaded");
  return Error(Errc::internal, "");
}

} // namespace

TEST_CASE("the registry loads every model directory and checks it with a dry run", "[registry]") {
  osteon::test::TempDir dir;
  make_model_dir(dir.path(), "alpha");
  make_model_dir(dir.path(), "beta");
  fs::create_directories(dir.path() / "notes");  // no manifest: warned about, not a model
  InferenceSettings settings;
  settings.models_dir = dir.path();
  Loader loader;
  const Registry registry = Registry::load(settings, std::ref(loader));
  CHECK(loader.calls == 2);
  const auto models = registry.models();
  REQUIRE(models.size() == 2);
  CHECK(models[0].name == "alpha");
  CHECK(models[0].available);
  CHECK(models[1].device == "fake");
  CHECK(registry.get("beta")->name() == "beta");
  CHECK_THROWS_AS(registry.get("gamma"), Error);

  settings.load_only = {"beta"};
  const Registry only = Registry::load(settings, std::ref(loader));
  CHECK(only.models().size() == 1);
  CHECK(only.available("beta"));
}

TEST_CASE("a hash mismatch is a start-up error naming the model", "[registry][errors]") {
  osteon::test::TempDir dir;
  make_model_dir(dir.path(), "alpha");
  write(dir.path() / "alpha" / "model.pt", "tampered");
  InferenceSettings settings;
  settings.models_dir = dir.path();
  Loader loader;
  const Error e = load_error(settings, loader);
  CHECK(e.code() == Errc::config_invalid);
  CHECK_THAT(e.what(), Catch::Contains("model alpha") && Catch::Contains("sha256 mismatch"));
  CHECK(loader.calls == 0);  // never loaded
}

TEST_CASE("a missing model file or a missing required model is not_found", "[registry][errors]") {
  osteon::test::TempDir dir;
  make_model_dir(dir.path(), "alpha");
  fs::remove(dir.path() / "alpha" / "model.pt");
  InferenceSettings settings;
  settings.models_dir = dir.path();
  Loader loader;
  Error e = load_error(settings, loader);
  CHECK(e.code() == Errc::not_found);
  CHECK_THAT(e.what(), Catch::Contains("model alpha") && Catch::Contains("is missing"));

  make_model_dir(dir.path(), "alpha");
  settings.required = {"alpha", "bone_age"};
  e = load_error(settings, loader);
  CHECK(e.code() == Errc::not_found);
  CHECK_THAT(e.what(), Catch::Contains("model bone_age") && Catch::Contains("required"));
}

TEST_CASE("outputs that differ from the manifest are a start-up error", "[registry][errors]") {
  osteon::test::TempDir dir;
  make_model_dir(dir.path(), "alpha");
  InferenceSettings settings;
  settings.models_dir = dir.path();
  Loader loader;
  loader.output_shape = {2};
  const Error e = load_error(settings, loader);
  CHECK(e.code() == Errc::config_invalid);
  CHECK_THAT(e.what(), Catch::Contains("model alpha") && Catch::Contains("shape mismatch") && Catch::Contains("[1, 2]"));
}

TEST_CASE("every failing model is reported, not only the first", "[registry][errors]") {
  osteon::test::TempDir dir;
  make_model_dir(dir.path(), "alpha");
  make_model_dir(dir.path(), "beta");
  make_model_dir(dir.path(), "gamma");
  write(dir.path() / "alpha" / "model.pt", "tampered");
  write(dir.path() / "gamma" / "manifest.json", "{}");
  InferenceSettings settings;
  settings.models_dir = dir.path();
  Loader loader;
  const Error e = load_error(settings, loader);
  CHECK(e.code() == Errc::config_invalid);
  CHECK_THAT(e.what(), Catch::Contains("2 model(s)") && Catch::Contains("model alpha") && Catch::Contains("gamma"));
}

TEST_CASE("a model allowed to be missing is reported unavailable with the reason", "[registry][errors]") {
  osteon::test::TempDir dir;
  make_model_dir(dir.path(), "alpha");
  make_model_dir(dir.path(), "beta");
  write(dir.path() / "beta" / "model.pt", "tampered");
  InferenceSettings settings;
  settings.models_dir = dir.path();
  settings.allow_missing = {"beta", "gamma"};
  settings.required = {"alpha", "beta", "gamma"};
  Loader loader;
  const Registry registry = Registry::load(settings, std::ref(loader));
  CHECK(registry.available("alpha"));
  CHECK_FALSE(registry.available("beta"));
  const auto models = registry.models();
  REQUIRE(models.size() == 3);
  CHECK_FALSE(models[1].available);
  CHECK_THAT(models[1].reason, Catch::Contains("sha256 mismatch"));
  CHECK_FALSE(models[2].available);
  CHECK_THAT(models[2].reason, Catch::Contains("required"));
  try {
    registry.get("beta");
    FAIL("an unavailable model was handed out");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::not_found);
    CHECK_THAT(e.what(), Catch::Contains("unavailable") && Catch::Contains("sha256 mismatch"));
  }
}
