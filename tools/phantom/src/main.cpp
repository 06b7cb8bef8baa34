// osteon-phantom: synthetic DX radiographs with ground truth (see docs/phantoms.md).
#include "osteon/phantom/generator.hpp"
#include "osteon/phantom/implant_catalogue.hpp"

#include <CLI/CLI.hpp>
#include <dcmtk/oflog/oflog.h>

#include <iostream>
#include <sstream>

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace osteon::phantom;
  CLI::App app{
      "osteon-phantom: writes synthetic DX radiographs (hand PA for bone age, lateral skull for "
      "nasal fractures, AP pelvis with hip implants) as DICOM files plus one ground-truth "
      "truth.jsonl per run. The same seed always gives byte-identical output."};
  std::string kind, variants, encoding = "explicit-le", catalogue;
  RunOptions run;
  std::string contact_sheet;
  Options& o = run.options;
  app.add_option("--kind", kind, "What to draw: hand, skull or hip")
      ->required()
      ->check(CLI::IsMember({"hand", "skull", "hip"}));
  app.add_option("--count", o.count, "Number of images (1-1000000)")
      ->required()
      ->check(CLI::Range(1u, 1000000u));
  app.add_option("--seed", o.seed, "Random seed (0-4294967295); same seed, same bytes")
      ->capture_default_str();
  app.add_option("--out", run.out, "Output directory (created if missing)")->required();
  app.add_flag("--png", run.png,
               "Also write 8-bit PNGs (png/) and mask PNGs (masks/) for training scripts");
  app.add_option("--variants", variants,
                 "Comma-separated DICOM variations, each image draws one: plain, empty-body-part, "
                 "synonym-body-part, lowercase-body-part, monochrome1, bits14, bits16, "
                 "jpeg-lossless, jpeg-ls, rle; or 'all'. Default: plain");
  app.add_option("--contact-sheet", contact_sheet,
                 "Write a PNG grid of the first images with their truth annotated");
  app.add_option("--sheet-count", run.sheet_count, "Images on the contact sheet")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  app.add_option("--rows", o.geometry.rows,
                 "Image rows (default per kind: hand 1024, skull 1024, hip 1152); the field of "
                 "view is kept, so the pixel spacing follows")
      ->check(CLI::Range(64u, 4096u));
  app.add_option("--cols", o.geometry.cols, "Image columns (default: from the kind's aspect)")
      ->check(CLI::Range(64u, 4096u));
  app.add_option("--spacing", o.geometry.spacing_mm, "Pixel spacing in mm (default: field of view / rows)")
      ->check(CLI::Range(0.02, 2.0));
  app.add_option("--bits", o.bits, "Bits stored, 12-16")->check(CLI::Range(12u, 16u))->capture_default_str();
  app.add_option("--encoding", encoding,
                 "Transfer syntax: explicit-le, implicit-le, big-endian, deflate, jpeg-lossless, "
                 "jpeg-ls, rle")
      ->check(CLI::IsMember({"explicit-le", "implicit-le", "big-endian", "deflate",
                             "jpeg-lossless", "jpeg-ls", "rle"}))
      ->capture_default_str();
  app.add_flag("--monochrome1", o.monochrome1, "Store MONOCHROME1 (inverted) for every image");
  app.add_option("--per-study", o.per_study,
                 "Images per study: consecutive images share patient, study and anatomy")
      ->check(CLI::Range(1u, 100u))
      ->capture_default_str();
  app.add_option("--catalogue", catalogue, "Implant catalogue JSON for --kind hip")
      ->capture_default_str();
  app.add_flag("--quiet", run.quiet, "No progress output");
  app.add_option("--layout", run.layout,
                 "Also write the images as a dataset in an own-data layout (tools/train/import_dataset.py): "
                 "rsna (hand: boneage.csv id,boneage,male + images/), skull-csv (skull: landmarks.csv + "
                 "images/), implant-folders (hip: one folder of implant crops per design)")
      ->check(CLI::IsMember({"rsna", "skull-csv", "implant-folders"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "osteon-phantom: error: " << e.what() << "\nRun with --help for usage.\n";
    return 2;
  }
  try {
    o.kind = parse_kind(kind);
    o.encoding = osteon::synth::parse_encoding(encoding);
    o.catalogue = catalogue.empty() ? default_catalogue_path() : std::filesystem::path(catalogue);
    if (variants == "all") {
      o.variants.assign(std::begin(all_variants), std::end(all_variants));
    } else {
      o.variants = split_list(variants);
      for (const auto& v : o.variants) {
        if (!is_variant(v))
          throw std::invalid_argument("unknown variant '" + v + "' (see --help)");
      }
    }
    if (!contact_sheet.empty()) run.contact_sheet = contact_sheet;
  } catch (const std::invalid_argument& e) {
    std::cerr << "osteon-phantom: error: " << e.what() << "\nRun with --help for usage.\n";
    return 2;
  }
  OFLog::configure(OFLogger::WARN_LOG_LEVEL);  // DCMTK's codecs log at INFO by default
  try {
    run_generator(run, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "osteon-phantom: error: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
