// osteon-decode: writes what the node sees of a DICOM image (decoded, Modality/VOI LUT and
// polarity applied, 8-bit) as a PNG. For admins checking a modality's output, and for tests.
#include <dcmtk/oflog/oflog.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "osteon/core/error.hpp"
#include "osteon/imaging/decoder.hpp"
#include "osteon/imaging/png.hpp"

namespace {

nlohmann::json describe(const osteon::imaging::Image& image) {
  const auto& info = image.info;
  nlohmann::json j{{"rows", image.rows()},
                   {"columns", image.cols()},
                   {"photometric", info.photometric},
                   {"transfer_syntax", info.transfer_syntax},
                   {"bits_allocated", info.bits_allocated},
                   {"bits_stored", info.bits_stored},
                   {"signed", info.signed_pixels},
                   {"frames", info.frames},
                   {"frame", info.frame + 1},
                   {"notes", info.notes}};
  if (info.window) j["window"] = {{"center", info.window->center}, {"width", info.window->width}};
  if (info.pixel_spacing) {
    j["pixel_spacing_mm"] = {info.pixel_spacing->row_mm, info.pixel_spacing->column_mm};
    j["pixel_spacing_source"] = info.pixel_spacing->source;
  }
  return j;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App cli{
      "osteon-decode - write what the Osteon node sees of a DICOM image as an 8-bit PNG.\n"
      "The pixel data is decoded (any transfer syntax the node accepts, JPEG 2000 and HTJ2K included),\n"
      "the Modality LUT (rescale or LUT sequence) and the VOI (the object's window or VOI LUT, else an\n"
      "automatic 0.5-99.5 percentile window) are applied, MONOCHROME1 is inverted so that bone is white,\n"
      "and colour images become luminance.\n"
      "Exit code 0: written; otherwise the reason is printed on stderr: 4 no pixel data or no such file,\n"
      "6 larger than --max-pixels, 9 corrupt, truncated or unsupported pixel data, 2 options that do not fit\n"
      "the image (e.g. --frame past the last one); command-line syntax errors exit with CLI11's codes (>= 100)."};
  std::string input, output;
  int frame = 1;
  std::vector<double> window;
  std::vector<double> percentiles;
  std::uint64_t max_pixels = osteon::imaging::DecodeOptions{}.max_pixels;
  bool info_json = false, verbose = false;
  cli.add_option("FILE", input, "DICOM file (Part 10 or a bare data set)")->required();
  cli.add_option("OUT", output, "PNG file to write (omit with --info to only describe the image)");
  cli.add_option("-f,--frame", frame, "frame of a multi-frame object, 1-based (default 1)")->check(CLI::PositiveNumber);
  cli.add_option("-w,--window", window, "override the VOI window: CENTER WIDTH, in modality units (e.g. HU)")
      ->expected(2)
      ->allow_extra_args(false);
  cli.add_option("--auto-window", percentiles,
                 "percentiles LOW HIGH of the automatic window used when the object has none (default 0.5 99.5)")
      ->expected(2)
      ->allow_extra_args(false);
  cli.add_option("--max-pixels", max_pixels, "refuse images with more than this many rows x columns x frames");
  cli.add_flag("-i,--info", info_json, "print what was decoded (size, window, notes) as JSON on stdout");
  cli.add_flag("-v,--verbose", verbose, "show DCMTK's warnings about the file");
  CLI11_PARSE(cli, argc, argv);
  if (output.empty() && !info_json) {
    std::cerr << "osteon-decode: give OUT.png, or --info\n";
    return 2;
  }
  OFLog::configure(verbose ? OFLogger::WARN_LOG_LEVEL : OFLogger::FATAL_LOG_LEVEL);

  osteon::imaging::DecodeOptions options;
  options.frame = frame - 1;
  options.max_pixels = max_pixels;
  if (window.size() == 2) options.window = osteon::imaging::Window{window[0], window[1]};
  if (percentiles.size() == 2) {
    options.auto_window_low_percent = percentiles[0];
    options.auto_window_high_percent = percentiles[1];
  }
  try {
    const auto image = osteon::imaging::decode_file(input, options);
    if (!output.empty()) osteon::imaging::write_png(output, image);
    if (info_json) std::cout << describe(image).dump(2) << "\n";
    return 0;
  } catch (const osteon::Error& e) {
    std::cerr << fmt::format("osteon-decode: {}: {} ({})\n", input, e.what(), osteon::info(e.code()).name);
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << fmt::format("osteon-decode: {}: {}\n", input, e.what());
    return 70;
  }
}
