#pragma once
// A model's manifest: models/<name>/manifest.json. It is the contract between a TorchScript file
// and the pipeline that uses it; models/README.md documents every field. Parsing checks the
// contract is complete and consistent, not that the file matches it (the registry does that).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "osteon/inference/domain_check.hpp"
#include "osteon/inference/tensor.hpp"

namespace osteon::inference {

/// How the runtime maps the caller's pixel values (documented range, usually [0, 1]) to what
/// the network was trained on, per channel, before forward():
///   mean_std: (x - mean[c]) / std[c]        scale: x * scale + offset        none: x
struct Normalisation {
  enum class Kind { none, mean_std, scale };
  Kind kind = Kind::none;
  std::vector<float> mean, std;  // mean_std: one value per channel (or one for all channels)
  float scale = 1.0f, offset = 0.0f;
};

/// The image input: one [channels, height, width] float32 image per request.
struct ImageInput {
  std::string name = "image";
  std::int64_t channels = 0, height = 0, width = 0;
  std::string dtype = "float32";          // the only dtype accepted so far
  float value_min = 0.0f, value_max = 1.0f;  // range of the values callers pass in
  Normalisation normalisation;
};

/// A further non-image input passed to forward() after the image, unnormalised (e.g. sex for
/// bone age): one float32 tensor of `shape` per request.
struct ExtraInput {
  std::string name;
  Shape shape;
  std::string meaning;
};

struct Output {
  std::string name;
  Shape shape;                      // per request, without the batch dimension
  std::string meaning;
  std::vector<std::string> labels;  // class labels when the output indexes classes
};

enum class Precision { fp32, fp16 };
std::string to_string(Precision precision);

struct Manifest {
  int format = 1;
  std::string name, version, task, description;
  std::filesystem::path file;  // TorchScript file, relative to dir
  std::string sha256;          // lower-case hex of the file
  ImageInput input;
  std::vector<ExtraInput> extra_inputs;
  std::vector<Output> outputs;
  std::vector<Precision> precisions{Precision::fp32};
  std::vector<int> preferred_batch_sizes{1};
  std::filesystem::path model_card;  // relative to dir
  std::string training_data;
  std::string intended_use;
  DomainCheckSpec domain_check;  // required: "none" or a calibrated check (domain_check.hpp)

  std::filesystem::path dir;  // the model's directory (not in the JSON)
  std::filesystem::path file_path() const { return dir / file; }
  std::filesystem::path model_card_path() const { return dir / model_card; }
  bool allows(Precision p) const;
  /// Per-request input shapes in forward() order: [C, H, W], then each extra input.
  std::vector<Shape> input_shapes() const;
};

/// Parses manifest JSON text. Throws Error(config_invalid) naming `origin` and the field.
Manifest parse_manifest(const std::string& json_text, const std::string& origin);
/// Reads <dir>/manifest.json; sets Manifest::dir. Missing manifest: Error(not_found).
Manifest load_manifest(const std::filesystem::path& dir);
/// The manifest as JSON text (for tools and tests; round-trips through parse_manifest).
std::string to_json(const Manifest& manifest);

} // namespace osteon::inference
