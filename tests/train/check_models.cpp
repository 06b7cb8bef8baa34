// Loads model directories with Osteon's own registry and LibTorch backend (manifest parsing,
// sha256, TorchScript load, dry runs at batch sizes 1 and 2 with output-shape checks) and runs
// each model once more on a constant image. Used by the training smoke test (tests/train) and
// by tools/train/train_all.sh to verify the shipped models.
//
//   test_train_check_models MODELS_DIR NAME...
//
// Exit status 0 when every named model loaded and ran, 1 otherwise (the registry's error printed).
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "osteon/inference/registry.hpp"
#include "osteon/inference/settings.hpp"
#include "osteon/inference/torch_backend.hpp"

using namespace osteon::inference;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODELS_DIR NAME...\n", argv[0]);
    return 2;
  }
  InferenceSettings settings;
  settings.models_dir = argv[1];
  settings.device = DeviceChoice::cpu;
  settings.intra_op_threads = 2;
  for (int i = 2; i < argc; ++i) {
    settings.load_only.emplace_back(argv[i]);
    settings.required.emplace_back(argv[i]);
  }
  try {
    const Registry registry = Registry::load(settings, torch_model_loader(settings));
    for (const auto& status : registry.models()) {
      if (!status.available) {
        std::fprintf(stderr, "%s: unavailable: %s\n", status.name.c_str(), status.reason.c_str());
        return 1;
      }
      auto model = registry.get(status.name);
      const Manifest& m = model->manifest();
      Tensors batch;
      Shape image_shape{1, m.input.channels, m.input.height, m.input.width};
      Tensor image(image_shape);
      for (auto& v : image.values()) v = 0.5f;
      batch.push_back(std::move(image));
      for (const auto& extra : m.extra_inputs) {
        Shape shape{1};
        for (auto d : extra.shape) shape.push_back(d);
        batch.emplace_back(shape);
      }
      const Tensors out = model->run(batch);
      std::printf("%s %s (%s, %s): loaded, dry-run ok, %zu outputs", status.name.c_str(), status.version.c_str(),
                  status.task.c_str(), status.device.c_str(), out.size());
      for (std::size_t i = 0; i < out.size() && i < m.outputs.size(); ++i)
        std::printf("; %s[0]=%g", m.outputs[i].name.c_str(), static_cast<double>(out[i].values()[0]));
      std::printf("\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "model check failed: %s\n", e.what());
    return 1;
  }
  return 0;
}
