#pragma once
// Shared pre/post-processing of the pipelines: the exact conventions of tools/train/common.py
// (working image, letterbox, contrast normalisation, bilinear crop), stage timing, model calls,
// and the Secondary Capture rendering. Private to src/pipelines (OpenCV appears here).
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "osteon/imaging/image.hpp"
#include "osteon/inference/tensor.hpp"
#include "osteon/pipelines/models.hpp"
#include "osteon/pipelines/pipeline.hpp"

namespace osteon::pipelines::detail {

inline constexpr int work_side = 512;

/// A matrix expression evaluated into a typed matrix (avoids -Wconversion on Mat_(MatExpr&&)).
inline cv::Mat1b m8(const cv::MatExpr& e) {
  cv::Mat m = e;
  return cv::Mat1b(m);
}
inline cv::Mat1f m32(const cv::MatExpr& e) {
  cv::Mat m = e;
  return cv::Mat1f(m);
}

/// Wall-clock per stage, appended to a Finding's timings.
class Stopwatch {
 public:
  explicit Stopwatch(std::vector<StageTiming>& out) : out_(out), start_(std::chrono::steady_clock::now()) {}
  /// Records the time since the last lap (or construction) under `stage`, less `excluding_ms`
  /// (time already recorded under another stage).
  void lap(const std::string& stage, double excluding_ms = 0.0);

 private:
  std::vector<StageTiming>& out_;
  std::chrono::steady_clock::time_point start_;
};

/// The decoded source and the working image the models were trained on.
struct Working {
  imaging::Image display;  // presentation-stage decode (VOI applied), source size, [0, 1]
  cv::Mat1f work;          // longer side 512, values on the training PNGs' 8-bit scale / 255
  cv::Mat1f source01;      // the same mapping at the source size (before the area resize)
  int src_rows = 0, src_cols = 0;
  double fx = 1.0, fy = 1.0;  // source pixels per working pixel (columns, rows)
  std::string mapping;        // how stored values were mapped to [0, 1]

  /// A working-image point (pixel centres at integers) in source pixels.
  cv::Point2d to_source(cv::Point2d p) const { return {(p.x + 0.5) * fx - 0.5, (p.y + 0.5) * fy - 0.5}; }
};

/// decode_file twice (modality stage for the models, presentation stage for the SC):
/// stored values (MONOCHROME1 mirrored) -> floor(v / 2^(bits-8)) / 255 (the PNGs of
/// osteon-phantom: "the stored range scaled linearly, no window"); objects with a rescale or a
/// modality LUT: their modality range min..max mapped linearly onto 0..255 and floored. Then
/// cv::INTER_AREA to longer side 512.
Working make_working(const std::filesystem::path& file);

/// tools/train/common.py letterbox(): s = S / max(h, w); sizes floor(.*s + 0.5); area resize;
/// optional contrast over the resized pixels; centred on zeros.
struct Letterboxed {
  cv::Mat1f canvas;
  double s = 1.0;
  int ox = 0, oy = 0, nw = 0, nh = 0;
  cv::Point2d to_input(cv::Point2d p) const { return {(p.x + 0.5) * s - 0.5 + ox, (p.y + 0.5) * s - 0.5 + oy}; }
  cv::Point2d from_input(cv::Point2d p) const { return {(p.x - ox + 0.5) / s - 0.5, (p.y - oy + 0.5) / s - 0.5}; }
};
Letterboxed letterbox(const cv::Mat1f& image, int size, bool contrast_norm = false);

/// common.py contrast(): z = (v - mean) / max(std, 1e-3) over the mask's pixels (all when no
/// mask), clipped to [-3, 3], mapped to z / 6 + 0.5. In place, on every pixel.
void contrast(cv::Mat1f& image, const cv::Mat1b* mask = nullptr);

/// common.py bilinear_crop() with x0 = cx - side/2 + 0.5: output pixel (u, v) samples
/// x = cx + ((u + 0.5)/out - 0.5) * side (same for y), bilinear, zero outside.
cv::Mat1f square_crop(const cv::Mat1f& image, double cx, double cy, double side, int out);
/// A crop pixel (u, v) back in image pixels.
inline cv::Point2d from_crop(cv::Point2d uv, double cx, double cy, double side, int out) {
  return {cx + ((uv.x + 0.5) / out - 0.5) * side, cy + ((uv.y + 0.5) / out - 0.5) * side};
}

/// [1, H, W] tensor of a single-channel image.
inference::Tensor to_tensor(const cv::Mat1f& image);

/// An entry model's inputs: `image`, then, when its manifest declares the extra input
/// "working_image" (the texture its domain check looks at: tools/train/domain.py), the working
/// image letterboxed to that input's size on zeros, unnormalised.
inference::Tensors entry_inputs(const inference::Manifest& manifest, inference::Tensor image, const Working& w);
/// A [.., H, W] tensor's plane `index` as an image.
cv::Mat1f plane(const inference::Tensor& tensor, int rows, int cols, std::size_t index = 0);

/// The Secondary Capture: the display image as RGB with overlays, and a text block at the top
/// left (white on a dark band). First line: the disclaimer.
class ScCanvas {
 public:
  explicit ScCanvas(const imaging::Image& display);
  cv::Mat3b& bgr() { return image_; }
  /// Jet colour map of `heat` (source size, 0..1) blended where heat >= threshold, with a
  /// colour bar (legend) at the right edge titled `title`.
  void heatmap(const cv::Mat1f& heat, double threshold, double alpha, const std::string& title);
  void outline(const cv::Mat1b& mask, cv::Scalar bgr, int thickness);
  void marker(cv::Point2d at, cv::Scalar bgr);
  void label(const std::string& text, cv::Point at, cv::Scalar bgr);
  /// Burns the lines in and returns the SC content.
  results::ScContent finish(const std::vector<std::string>& lines, const std::string& derivation);
  double font_px() const;

 private:
  cv::Mat3b image_;
};

/// The standard first lines of every SC: the disclaimer with the algorithm and its training, and
/// the domain checks of the models called so far ("Domain check passed: ..." or "DOMAIN NOT
/// CHECKED: ...").
std::vector<std::string> sc_header(const std::string& algorithm, const std::string& version, const ModelCalls& calls);

/// One SC line on the domain checks of the calls so far; empty when no model was called.
std::string domain_line(const ModelCalls& calls);

/// A number with fixed decimals, for summaries and burned-in text.
std::string fixed(double value, int decimals);


} // namespace osteon::pipelines::detail

namespace osteon::pipelines::detail {

/// A decoding failure (no pixel data, corrupt, unsupported, too large): not analysable, with
/// the reason. Sets f.result, f.summary and f.data_json (data gains "not_analysable").
/// A finding stamped with the models' names, versions and hashes; when a model is unavailable,
/// already a retry with the reason (check `outcome == Outcome::retry` and return it).
Finding start_finding(const ModelSet& models, const std::optional<std::string>& unavailable);
/// [{name, version, sha256}] of the named models, for the finding's data.
nlohmann::json model_list(const ModelSet& models, std::initializer_list<const char*> names);

Finding decode_failure(Finding f, results::AnalysisKind kind, const std::exception& e, nlohmann::json& data);

/// One job's run of a pipeline: its model calls (with their domain verdicts), the finding's data,
/// the stage timings and, once decoded, the source as displayed (for a refusal's plain SC).
struct RunContext {
  explicit RunContext(const ModelSet& models) : calls(models) {}
  ModelCalls calls;
  nlohmann::json data = nlohmann::json::object();
  std::vector<StageTiming> timings;
  std::optional<imaging::Image> display;
};

/// When a pipeline's own checks have already found a reason not to analyse the image: runs `model`
/// on `inputs` for its domain verdict only. Out of the model's domain: the domain reason first,
/// then the pipeline's ("...; the pipeline's own checks also found: <reason>"), and the verdict is
/// recorded as a refusal; in domain: `reason` unchanged.
std::string domain_first(ModelCalls& calls, const std::string& model, inference::Tensors inputs, const std::string& reason);

/// What a pipeline's SC header names (algorithm and version) and the kind of its results.
struct PipelineInfo {
  results::AnalysisKind kind;
  std::string algorithm, version;
};

/// Runs `analyse` (a pipeline's body, working on ctx) and finishes its finding: timings, the
/// domain verdicts (Finding::domain, data "domain", and "domain not checked" in the summary
/// when a model has no check). An input out of a model's domain (inference::OutOfDomain) ends
/// not analysable with the reason, the score and the threshold, and a plain Secondary Capture
/// of the source with that reason (no finding image) when the image was decoded.
Finding run_checked(const ModelSet& models, const PipelineInfo& info, const std::function<Finding(RunContext&)>& analyse);
/// A failure while running: inference queue full or model gone (retry), else rethrown.
Finding error_finding(Finding f, results::AnalysisKind kind, const std::exception& e, nlohmann::json& data);

} // namespace osteon::pipelines::detail
