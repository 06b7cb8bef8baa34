// Shared evaluation harness (see harness.hpp).
#include "osteon/eval/harness.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <random>
#include <regex>

#include <fmt/format.h>

#include "osteon/core/error.hpp"
#include "osteon/inference/torch_backend.hpp"
#include "osteon/phantom/generator.hpp"
#include "osteon/phantom/implant_catalogue.hpp"
#include "osteon/pipelines/factory.hpp"
#include "osteon/synth/dx_writer.hpp"

namespace osteon::eval {

std::filesystem::path default_models_dir() {
  if (const char* dir = std::getenv("OSTEON_MODELS_DIR"); dir && *dir) return dir;
  return std::filesystem::path(OSTEON_SOURCE_DIR) / "models";
}

std::unique_ptr<Runtime> Runtime::load(const std::filesystem::path& models_dir, int threads) {
  auto rt = std::make_unique<Runtime>();
  rt->models_dir = models_dir;
  inference::InferenceSettings s;
  s.models_dir = models_dir;
  s.device = inference::DeviceChoice::automatic;
  s.intra_op_threads = threads;
  s.allow_missing = pipelines::pipeline_model_names();
  s.required = pipelines::pipeline_model_names();
  s.load_only = pipelines::pipeline_model_names();
  s.default_batching.max_queue_delay = std::chrono::microseconds(500);
  const auto info = inference::configure_torch(s);
  rt->device = info.device;
  rt->registry = inference::Registry::load(s, inference::torch_model_loader(s));
  rt->scheduler = std::make_shared<inference::Scheduler>(rt->registry, s);
  rt->pipelines = pipelines::make_pipelines(rt->scheduler, rt->registry, models_dir);
  rt->profiles = routing::builtin_profiles();
  return rt;
}

pipelines::Pipeline& Runtime::pipeline(const std::string& name) const {
  const auto it = pipelines.find(name);
  if (it == pipelines.end()) throw Error(Errc::not_found, "no pipeline " + name);
  return *it->second;
}

const routing::Profile* Runtime::profile(const std::string& pipeline_name) const {
  for (const auto& p : profiles) {
    if (p.pipeline == pipeline_name) return &p;
  }
  return nullptr;
}

pipelines::Finding Runtime::run(const std::string& pipeline_name, const std::filesystem::path& file) const {
  pipelines::JobInput in;
  in.file = file;
  if (const auto* p = profile(pipeline_name)) in.parameters = {p->id, p->numbers};
  return pipeline(pipeline_name).run(in);
}

std::optional<std::string> Runtime::missing(const std::string& pipeline_name) const {
  return pipeline(pipeline_name).unavailable_reason();
}

std::vector<Sample> make_phantoms(phantom::Kind kind, unsigned count, std::uint32_t seed, const std::filesystem::path& dir,
                                  const std::function<void(phantom::Phantom&)>& modify,
                                  const std::vector<std::string>& variants, unsigned rows) {
  std::filesystem::create_directories(dir);
  phantom::Options o;
  o.kind = kind;
  o.count = count;
  o.seed = seed;
  o.variants = variants;
  phantom::Geometry requested;
  requested.rows = rows;
  o.geometry = phantom::resolve_geometry(kind, requested);
  std::optional<phantom::ImplantCatalogue> catalogue;
  if (kind == phantom::Kind::hip) catalogue = phantom::ImplantCatalogue::load(phantom::default_catalogue_path());
  std::vector<Sample> out;
  for (unsigned i = 0; i < count; ++i) {
    phantom::Phantom p = phantom::generate_phantom(o, catalogue ? &*catalogue : nullptr, i);
    if (modify) modify(p);
    const auto file = dir / (phantom::image_stem(kind, i) + ".dcm");
    synth::write_dx(file, p.attrs, p.image, p.encoding);
    p.truth["file"] = file.filename().string();
    out.push_back({file, p.truth});
  }
  return out;
}

void mirror(phantom::Phantom& p) {
  auto& px = p.image.pixels;
  for (unsigned r = 0; r < p.image.rows; ++r) {
    std::reverse(px.begin() + static_cast<std::ptrdiff_t>(r * p.image.cols),
                 px.begin() + static_cast<std::ptrdiff_t>((r + 1) * p.image.cols));
  }
}

void flip_vertical(phantom::Phantom& p) {
  auto& px = p.image.pixels;
  const auto cols = static_cast<std::ptrdiff_t>(p.image.cols);
  for (unsigned r = 0; r < p.image.rows / 2; ++r) {
    std::swap_ranges(px.begin() + static_cast<std::ptrdiff_t>(r) * cols, px.begin() + static_cast<std::ptrdiff_t>(r + 1) * cols,
                     px.begin() + static_cast<std::ptrdiff_t>(p.image.rows - 1 - r) * cols);
  }
}

std::optional<double> card_number(const std::filesystem::path& card, const std::string& row_prefix) {
  std::ifstream in(card);
  std::string line;
  static const std::regex number(R"(-?[0-9]+(?:\.[0-9]+)?)");
  while (std::getline(in, line)) {
    if (line.rfind("| " + row_prefix, 0) != 0) continue;
    const auto second = line.find('|', 1);
    if (second == std::string::npos) continue;
    const std::string rest = line.substr(second + 1);
    std::smatch m;
    if (std::regex_search(rest, m, number)) return std::stod(m.str());
  }
  return std::nullopt;
}

std::filesystem::path temp_dir(const std::string& prefix) {
  std::random_device rd;
  for (int i = 0; i < 100; ++i) {
    auto dir = std::filesystem::temp_directory_path() / fmt::format("{}-{}-{:08x}", prefix, ::getpid(), rd());
    if (std::filesystem::create_directories(dir)) return dir;
  }
  throw Error(Errc::io_error, "cannot create a temporary directory");
}

} // namespace osteon::eval
