// 8-bit display images, colour-mapped heatmap overlays with a legend, outlines and text.
#include "osteon/imaging/render.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "cv_bridge.hpp"

namespace osteon::imaging {
namespace {

using Palette = std::array<Colour, 256>;

Palette make_palette(Colormap map) {
  static constexpr int cv_maps[] = {cv::COLORMAP_JET, cv::COLORMAP_INFERNO, cv::COLORMAP_VIRIDIS, cv::COLORMAP_HOT};
  cv::Mat ramp(1, 256, CV_8U);
  for (int i = 0; i < 256; ++i) ramp.at<std::uint8_t>(0, i) = static_cast<std::uint8_t>(i);
  cv::Mat bgr;
  cv::applyColorMap(ramp, bgr, cv_maps[static_cast<int>(map)]);
  Palette p{};
  for (int i = 0; i < 256; ++i) {
    const auto& v = bgr.at<cv::Vec3b>(0, i);
    p[static_cast<std::size_t>(i)] = Colour{v[2], v[1], v[0]};
  }
  return p;
}

const Palette& palette(Colormap map) {
  static const std::array<Palette, 4> all{make_palette(Colormap::jet), make_palette(Colormap::inferno),
                                          make_palette(Colormap::viridis), make_palette(Colormap::hot)};
  return all[static_cast<std::size_t>(map)];
}

std::uint8_t index_of(double t) { return static_cast<std::uint8_t>(std::lround(std::clamp(t, 0.0, 1.0) * 255.0)); }

// White text with a dark edge, readable on any background.
void outlined_text(cv::Mat& m, const std::string& text, cv::Point at, double height_px) {
  const double scale = cv::getFontScaleFromHeight(cv::FONT_HERSHEY_SIMPLEX, static_cast<int>(std::lround(height_px)), 1);
  const int thickness = std::max(1, static_cast<int>(height_px / 12));
  cv::putText(m, text, at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(0, 0, 0), thickness + 2, cv::LINE_AA);
  cv::putText(m, text, at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(255, 255, 255), thickness, cv::LINE_AA);
}

int text_width(const std::string& text, double height_px) {
  const double scale = cv::getFontScaleFromHeight(cv::FONT_HERSHEY_SIMPLEX, static_cast<int>(std::lround(height_px)), 1);
  int baseline = 0;
  return cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, std::max(1, static_cast<int>(height_px / 12)) + 2, &baseline)
      .width;
}

void draw_legend(cv::Mat& m, const HeatmapOptions& o) {
  const int rows = m.rows, cols = m.cols;
  const double font = std::max(8.0, rows / 45.0);
  const int margin = std::max(4, cols / 60);
  const int bar_w = std::max(6, cols / 40), bar_h = std::max(16, rows / 3);
  const int x0 = cols - margin - bar_w, y0 = std::max(margin + static_cast<int>(2.2 * font), rows / 2 - bar_h / 2);
  const auto& p = palette(o.colormap);
  for (int r = 0; r < bar_h && y0 + r < rows; ++r) {
    const Colour c = p[index_of(1.0 - static_cast<double>(r) / std::max(1, bar_h - 1))];
    cv::line(m, cv::Point(x0, y0 + r), cv::Point(x0 + bar_w - 1, y0 + r), cv::Scalar(c[0], c[1], c[2]));
  }
  cv::rectangle(m, cv::Rect(x0 - 1, y0 - 1, bar_w + 2, bar_h + 2), cv::Scalar(255, 255, 255), 1);
  const std::string top = fmt::format("{:.2g}", o.value_max), bottom = fmt::format("{:.2g}", o.value_min);
  outlined_text(m, top, cv::Point(x0 - margin / 2 - text_width(top, font), y0 + static_cast<int>(font)), font);
  outlined_text(m, bottom, cv::Point(x0 - margin / 2 - text_width(bottom, font), y0 + bar_h), font);
  if (!o.legend_title.empty()) {
    const int w = text_width(o.legend_title, font);
    outlined_text(m, o.legend_title, cv::Point(std::max(0, cols - margin - w), y0 - static_cast<int>(0.8 * font)), font);
  }
}

} // namespace

Colour colormap_colour(Colormap map, double t) { return palette(map)[index_of(t)]; }

RgbImage to_display(const Image& grey) {
  detail::view(grey);  // rejects an empty image
  RgbImage out(grey.rows(), grey.cols());
  for (std::size_t i = 0; i < grey.size(); ++i) {
    const float v = grey.data()[i];
    const auto g = static_cast<std::uint8_t>(std::lround(std::clamp(std::isfinite(v) ? v : 0.0f, 0.0f, 1.0f) * 255.0f));
    out.data()[3 * i] = out.data()[3 * i + 1] = out.data()[3 * i + 2] = g;
  }
  return out;
}

RgbImage overlay_heatmap(const Image& grey, const Image& heat, const HeatmapOptions& o) {
  if (!(o.alpha >= 0 && o.alpha <= 1) || !(o.value_max > o.value_min)) {
    throw Error(Errc::invalid_argument, "heatmap: alpha in [0, 1] and value_max > value_min");
  }
  RgbImage out = to_display(grey);
  cv::Mat resized;
  cv::resize(detail::view(heat), resized, cv::Size(grey.cols(), grey.rows()), 0, 0, cv::INTER_LINEAR);
  const auto& p = palette(o.colormap);
  const auto* h = resized.ptr<float>(0);
  for (std::size_t i = 0; i < grey.size(); ++i) {
    if (!std::isfinite(h[i]) || h[i] < o.threshold) continue;
    const Colour& c = p[index_of((h[i] - o.value_min) / (o.value_max - o.value_min))];
    for (std::size_t k = 0; k < 3; ++k) {
      std::uint8_t& px = out.data()[3 * i + k];
      px = static_cast<std::uint8_t>(std::lround((1.0 - o.alpha) * px + o.alpha * c[k]));
    }
  }
  if (o.legend) {
    cv::Mat m = detail::view(out);
    draw_legend(m, o);
  }
  return out;
}

void draw_outline(RgbImage& image, const Mask& mask, Colour colour, int thickness) {
  if (mask.rows() != image.rows() || mask.cols() != image.cols()) {
    throw Error(Errc::invalid_argument, "mask and image differ in size");
  }
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(detail::view(mask).clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
  cv::Mat m = detail::view(image);
  cv::drawContours(m, contours, -1, cv::Scalar(colour[0], colour[1], colour[2]), std::max(1, thickness), cv::LINE_8);
}

void draw_text(RgbImage& image, const std::string& text, int x, int y, double height_px, Colour colour) {
  cv::Mat m = detail::view(image);
  const double scale = cv::getFontScaleFromHeight(cv::FONT_HERSHEY_SIMPLEX, static_cast<int>(std::lround(height_px)), 1);
  cv::putText(m, text, cv::Point(x, y), cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(colour[0], colour[1], colour[2]),
              std::max(1, static_cast<int>(height_px / 12)), cv::LINE_AA);
}

} // namespace osteon::imaging
