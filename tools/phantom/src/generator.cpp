#include "osteon/phantom/generator.hpp"

#include "osteon/phantom/contact_sheet.hpp"
#include "osteon/phantom/implant_catalogue.hpp"
#include "layout.hpp"

#include <opencv2/imgcodecs.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <ostream>
#include <stdexcept>

namespace osteon::phantom {
namespace {

void write_png(const std::filesystem::path& file, const cv::Mat& image, int level = 3) {
  if (!cv::imwrite(file.string(), image, {cv::IMWRITE_PNG_COMPRESSION, level}))
    throw std::runtime_error("cannot write " + file.string());
}

}  // namespace

std::string image_stem(Kind kind, std::uint64_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "_%06llu", static_cast<unsigned long long>(index));
  return std::string(kind_name(kind)) + buf;
}

RunStats run_generator(const RunOptions& run, std::ostream& log) {
  const auto start = std::chrono::steady_clock::now();
  const Options& options = run.options;
  std::filesystem::create_directories(run.out);
  if (run.png) {
    std::filesystem::create_directories(run.out / "png");
    std::filesystem::create_directories(run.out / "masks");
  }
  std::optional<ImplantCatalogue> catalogue;
  if (options.kind == Kind::hip) {
    catalogue = ImplantCatalogue::load(options.catalogue.empty() ? default_catalogue_path()
                                                                 : options.catalogue);
  }
  const auto truth_path = run.out / "truth.jsonl";
  std::ofstream truth(truth_path, std::ios::binary | std::ios::trunc);
  if (!truth) throw std::runtime_error("cannot write " + truth_path.string());

  std::optional<LayoutWriter> layout;
  if (!run.layout.empty()) {
    const Layout l = parse_layout(run.layout);
    if (layout_kind(l) != options.kind)
      throw std::invalid_argument("layout " + run.layout + " is made of " + std::string(kind_name(layout_kind(l))) + " phantoms");
    layout.emplace(run.out, l);
  }
  std::vector<SheetTile> tiles;
  RunStats stats;
  for (unsigned i = 0; i < options.count; ++i) {
    Phantom p = generate_phantom(options, catalogue ? &*catalogue : nullptr, i);
    const std::string stem = image_stem(options.kind, i);
    synth::write_dx(run.out / (stem + ".dcm"), p.attrs, p.image, p.encoding);
    p.truth["file"] = stem + ".dcm";
    const bool need_8bit = run.png || layout || (run.contact_sheet && tiles.size() < run.sheet_count);
    cv::Mat1b image8 = need_8bit ? to_8bit(p) : cv::Mat1b();
    if (run.png) {
      write_png(run.out / "png" / (stem + ".png"), image8);
      p.truth["png"] = "png/" + stem + ".png";
      nlohmann::json masks = nlohmann::json::object();
      for (const NamedMask& m : p.masks) {
        const std::string name = "masks/" + stem + "_" + m.name + ".png";
        write_png(run.out / name, m.mask);
        masks[m.name] = name;
      }
      p.truth["masks"] = masks;
    }
    truth << p.truth.dump() << '\n';
    if (!truth) throw std::runtime_error("cannot write " + truth_path.string());
    if (layout) layout->add(stem, i, image8, p.truth);
    if (run.contact_sheet && tiles.size() < run.sheet_count) tiles.push_back({image8, p.truth});
    ++stats.images;
    if (!run.quiet && (i + 1) % 100 == 0) log << "osteon-phantom: " << (i + 1) << " images\n";
  }
  truth.close();
  if (run.contact_sheet) write_png(*run.contact_sheet, make_contact_sheet(options.kind, tiles), 9);
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!run.quiet) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "osteon-phantom: wrote %u %s images to %s in %.1f s (%.0f/min)\n",
                  stats.images, std::string(kind_name(options.kind)).c_str(),
                  run.out.string().c_str(), stats.seconds,
                  stats.seconds > 0 ? 60.0 * stats.images / stats.seconds : 0.0);
    log << buf;
  }
  return stats;
}

}  // namespace osteon::phantom
