// osteon-bench imaging: decode time and hand preprocessing time of a 2,000 x 2,500 16-bit DX in
// every encoding, next to DCMTK's own dcmj2pnm (run as a process) decoding the same file.
#include <dcmtk/oflog/oflog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <osteon/synth/dx_writer.hpp>

#include "command.hpp"
#include "osteon/imaging/decoder.hpp"
#include "osteon/imaging/enhance.hpp"
#include "osteon/imaging/geometry.hpp"
#include "osteon/imaging/intensity.hpp"
#include "osteon/imaging/j2k_writer.hpp"
#include "osteon/imaging/segmentation.hpp"
#include "process.hpp"
#include "text_table.hpp"

namespace osteon::bench {

namespace fs = std::filesystem;

namespace {

struct ImagingOptions {
  unsigned rows = 2500, cols = 2000, runs = 5, seed = 42;
  double lossy_ratio = 10.0;
  fs::path work_dir = fs::temp_directory_path() / "osteon-bench-imaging";
  bool keep = false;
};

struct Input {
  std::string name;
  fs::path file;
  bool lossless = true;
  std::string dcmtk_tool;  // empty: DCMTK cannot decode it (no JPEG 2000 codec in DCMTK 3.6.7)
};

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

// The hand (bone age) preprocessing chain on a decoded radiograph: what the pipeline runs before
// the model. Returns the 512 x 512 model input.
imaging::Image hand_chain(const imaging::Image& decoded) {
  using namespace imaging;
  const Image normalised = normalize_percentiles(decoded, 1.0, 99.0);
  const Image contrasted = auto_contrast(normalised, HistogramContrastEstimator(1.0));
  const Image equalised = clahe(contrasted, {2.0, 8});
  const Image smooth = denoise(equalised, {DenoiseMethod::median, 1});
  Mask mask = binarize_otsu(smooth);
  mask = morphology(mask, Morphology::close, 5);
  mask = morphology(mask, Morphology::open, 5);
  mask = fill_holes(largest_component(mask));
  if (mask.count() == 0) throw std::runtime_error("hand chain: empty foreground mask");
  const Aligned aligned = rotate_to_principal_axis(smooth, mask);
  const Box box = with_margin(bounding_box(aligned.mask), 0.05, aligned.image.rows(), aligned.image.cols());
  const Image cropped = crop(aligned.image, box);
  return letterbox(sharpen(cropped, {1.0, 0.5}), 512).image;
}

class ImagingBench {
 public:
  explicit ImagingBench(const ImagingOptions& o) : options_(o) {}

  int run() {
    OFLog::configure(OFLogger::WARN_LOG_LEVEL);  // DCMTK's codecs log at INFO by default
    fs::create_directories(options_.work_dir);
    const auto inputs = write_inputs();
    TextTable table({"encoding", "file MB", "decode ms", "hand chain ms", "decode+chain ms", "DCMTK ms", "DCMTK tool"},
                    {TextTable::Align::left});
    imaging::DecodeOptions decode_options;
    const imaging::Image reference = imaging::decode_file(inputs.front().file, decode_options);
    const CpuSnapshot cpu_before = cpu_snapshot();
    const auto wall_start = Clock::now();
    for (const auto& input : inputs) {
      std::vector<double> decode_ms, chain_ms, dcmtk_ms;
      for (unsigned r = 0; r < options_.runs; ++r) {
        auto start = Clock::now();
        const imaging::Image image = imaging::decode_file(input.file, decode_options);
        decode_ms.push_back(ms_since(start));
        verify(input, reference, image);
        start = Clock::now();
        const imaging::Image model_input = hand_chain(image);
        chain_ms.push_back(ms_since(start));
        if (model_input.rows() != 512) throw std::runtime_error("hand chain: wrong output size");
        if (!input.dcmtk_tool.empty()) dcmtk_ms.push_back(run_dcmtk(input));
      }
      const double d = median(decode_ms), c = median(chain_ms);
      table.add_row({input.name, fmt::format("{:.1f}", static_cast<double>(fs::file_size(input.file)) / 1e6),
                     fmt::format("{:.0f}", d), fmt::format("{:.0f}", c), fmt::format("{:.0f}", d + c),
                     dcmtk_ms.empty() ? std::string("n/a") : fmt::format("{:.0f}", median(dcmtk_ms)),
                     input.dcmtk_tool.empty() ? std::string("none (no JPEG 2000 codec)") : input.dcmtk_tool});
    }
    const double others = foreign_cpu_seconds(cpu_before, cpu_snapshot()) / (ms_since(wall_start) / 1000.0);
    std::cout << fmt::format(
        "osteon-bench imaging: {} x {} (columns x rows) 16-bit synthetic DX, median of {} runs, {} hardware threads;\n"
        "other processes used {:.1f} CPUs on average during the measurement\n"
        "decode: osteon::imaging::decode_file in-process (Modality LUT, stored window, float output);\n"
        "hand chain: percentile normalisation, contrast (histogram clip), CLAHE 8x8, median 3x3, Otsu,\n"
        "close/open r5, largest component, fill holes, rotation to the principal axis, crop + 5% margin,\n"
        "unsharp mask, letterbox 512; DCMTK: the tool as a process (start-up, load, decode, stored window,\n"
        "8-bit PGM to /dev/null). Every decode is checked against the explicit-LE decode (lossy: tolerance).\n\n",
        options_.cols, options_.rows, options_.runs, std::thread::hardware_concurrency(), others);
    std::cout << table.render();
    if (!options_.keep) fs::remove_all(options_.work_dir);
    return 0;
  }

 private:
  std::vector<Input> write_inputs() const {
    const auto pattern = synth::make_test_pattern(options_.rows, options_.cols, 16, options_.seed);
    synth::DxAttributes attrs;
    std::vector<Input> inputs;
    for (const auto encoding : {synth::Encoding::explicit_le, synth::Encoding::implicit_le, synth::Encoding::big_endian,
                                synth::Encoding::deflate, synth::Encoding::jpeg_lossless,
                                synth::Encoding::jpeg_ls_lossless, synth::Encoding::rle}) {
      Input in;
      in.name = std::string(synth::encoding_name(encoding));
      in.file = options_.work_dir / (in.name + ".dcm");
      in.dcmtk_tool = encoding == synth::Encoding::jpeg_ls_lossless ? "dcml2pnm" : "dcmj2pnm";
      synth::write_dx(in.file, attrs, pattern, encoding);
      inputs.push_back(in);
    }
    Input j2k{"jpeg2000-lossless", options_.work_dir / "jpeg2000-lossless.dcm", true, ""};
    imaging::write_jpeg2000_copy(inputs.front().file, j2k.file);
    Input lossy{fmt::format("jpeg2000-lossy-{:g}:1", options_.lossy_ratio), options_.work_dir / "jpeg2000-lossy.dcm",
                false, ""};
    imaging::write_jpeg2000_copy(inputs.front().file, lossy.file, imaging::J2kEncodeOptions{options_.lossy_ratio});
    inputs.push_back(j2k);
    inputs.push_back(lossy);
    return inputs;
  }

  static void verify(const Input& input, const imaging::Image& reference, const imaging::Image& image) {
    if (image.rows() != reference.rows() || image.cols() != reference.cols()) {
      throw std::runtime_error(input.name + ": decoded size differs from the explicit-LE decode");
    }
    double max_diff = 0;
    for (std::size_t i = 0; i < image.size(); ++i) {
      max_diff = std::max(max_diff, static_cast<double>(std::fabs(image.data()[i] - reference.data()[i])));
    }
    // Lossy: within 2 % of the display range at any pixel.
    if (input.lossless ? max_diff != 0.0 : max_diff > 0.02) {
      throw std::runtime_error(fmt::format("{}: decoded pixels differ from the explicit-LE decode by up to {}",
                                           input.name, max_diff));
    }
  }

  double run_dcmtk(const Input& input) const {
    const fs::path log = options_.work_dir / (input.name + "." + input.dcmtk_tool + ".log");
    const auto start = Clock::now();
    Process p = Process::spawn({input.dcmtk_tool, "+Wi", "1", "+op", input.file.string(), "/dev/null"}, log);
    const int rc = p.wait();
    const double ms = ms_since(start);
    if (rc != 0) {
      throw std::runtime_error(fmt::format("{} failed on {} ({})\n{}", input.dcmtk_tool, input.file.string(),
                                           describe_exit(rc), tail_file(log)));
    }
    return ms;
  }

  const ImagingOptions& options_;
};

} // namespace

Command add_imaging_command(CLI::App& root) {
  auto options = std::make_shared<ImagingOptions>();
  CLI::App* app = root.add_subcommand("imaging", "pixel decoding and hand preprocessing, next to DCMTK's dcmj2pnm");
  app->footer(
      "Writes one synthetic 16-bit DX (tools/synth test pattern) in every encoding: explicit/implicit VR LE,\n"
      "big endian, deflate, JPEG lossless, JPEG-LS, RLE, and JPEG 2000 lossless and lossy copies. For each,\n"
      "runs --runs times: the decoder (timed), a check against the explicit-LE decode, the hand preprocessing\n"
      "chain (timed), and DCMTK's dcmj2pnm (dcml2pnm for JPEG-LS) as a process on the same file (timed;\n"
      "DCMTK 3.6.7 has no JPEG 2000 decoder). Prints the medians.");
  app->add_option("--rows", options->rows, "Rows of the image")->capture_default_str()->check(CLI::Range(64u, 65535u));
  app->add_option("--cols", options->cols, "Columns of the image")->capture_default_str()->check(CLI::Range(64u, 65535u));
  app->add_option("--runs", options->runs, "Timed runs per encoding (the median is printed)")
      ->capture_default_str()->check(CLI::Range(1u, 1000u));
  app->add_option("--lossy-ratio", options->lossy_ratio, "Compression ratio of the lossy JPEG 2000 copy")
      ->capture_default_str()->check(CLI::Range(2.0, 200.0));
  app->add_option("--work-dir", options->work_dir, "Where the DX files are written")->capture_default_str();
  app->add_flag("--keep", options->keep, "Keep the DX files at the end");
  return Command{app, [options] { return ImagingBench(*options).run(); }};
}

} // namespace osteon::bench
