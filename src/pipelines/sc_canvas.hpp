#pragma once
// The Secondary Capture every pipeline renders: the source as displayed, overlays (heat map,
// outlines, markers, labels) and the burned-in text that starts with the disclaimer. Private to
// src/pipelines (OpenCV appears here).
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "osteon/imaging/image.hpp"
#include "osteon/pipelines/models.hpp"
#include "osteon/pipelines/pipeline.hpp"
#include "osteon/results/sc_writer.hpp"

namespace osteon::pipelines::detail {

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
