#include "sc_canvas.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "working_image.hpp"

namespace osteon::pipelines::detail {

ScCanvas::ScCanvas(const imaging::Image& display) {
  cv::Mat1f grey = view(display);
  cv::Mat1b g8;
  grey.convertTo(g8, CV_8U, 255.0);
  cv::cvtColor(g8, image_, cv::COLOR_GRAY2BGR);
}

double ScCanvas::font_px() const { return std::max(10.0, std::min(image_.rows, image_.cols) / 48.0); }

void ScCanvas::heatmap(const cv::Mat1f& heat, double threshold, double alpha, const std::string& title) {
  cv::Mat1b h8;
  heat.convertTo(h8, CV_8U, 255.0);
  cv::Mat3b colour;
  cv::applyColorMap(h8, colour, cv::COLORMAP_JET);
  for (int r = 0; r < image_.rows; ++r) {
    for (int c = 0; c < image_.cols; ++c) {
      const float v = heat(r, c);
      if (!(v >= threshold)) continue;
      cv::Vec3b& px = image_(r, c);
      const cv::Vec3b& k = colour(r, c);
      for (int i = 0; i < 3; ++i) px[i] = cv::saturate_cast<std::uint8_t>((1.0 - alpha) * px[i] + alpha * k[i]);
    }
  }
  // Colour bar with 0 / 1 labels and the title at the right edge.
  const double font = font_px();
  const int margin = std::max(4, image_.cols / 60);
  const int bar_w = std::max(8, image_.cols / 40), bar_h = std::max(32, image_.rows / 3);
  const int x0 = image_.cols - margin - bar_w, y0 = image_.rows / 2 - bar_h / 2;
  cv::Mat1b ramp(bar_h, 1);
  for (int r = 0; r < bar_h; ++r) ramp(r, 0) = cv::saturate_cast<std::uint8_t>(255.0 * (1.0 - r / (bar_h - 1.0)));
  cv::Mat3b bar;
  cv::applyColorMap(ramp, bar, cv::COLORMAP_JET);
  for (int r = 0; r < bar_h; ++r) {
    for (int c = 0; c < bar_w; ++c) image_(y0 + r, x0 + c) = bar(r, 0);
  }
  cv::rectangle(image_, cv::Rect(x0 - 1, y0 - 1, bar_w + 2, bar_h + 2), cv::Scalar(255, 255, 255), 1);
  const double scale = cv::getFontScaleFromHeight(cv::FONT_HERSHEY_SIMPLEX, static_cast<int>(font), 1);
  auto text_right = [&](const std::string& t, int y) {
    int base = 0;
    const auto size = cv::getTextSize(t, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &base);
    const cv::Point at(std::max(0, x0 - margin / 2 - size.width), y);
    cv::putText(image_, t, at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(0, 0, 0), 3, cv::LINE_AA);
    cv::putText(image_, t, at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
  };
  text_right("1.0", y0 + static_cast<int>(font));
  text_right(fixed(threshold, 1), y0 + bar_h);
  if (!title.empty()) {
    int base = 0;
    const auto size = cv::getTextSize(title, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &base);
    const cv::Point at(std::max(0, image_.cols - margin - size.width), y0 - static_cast<int>(0.8 * font));
    cv::putText(image_, title, at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(0, 0, 0), 3, cv::LINE_AA);
    cv::putText(image_, title, at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
  }
}

void ScCanvas::outline(const cv::Mat1b& mask, cv::Scalar bgr, int thickness) {
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(mask.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
  cv::drawContours(image_, contours, -1, bgr, std::max(1, thickness), cv::LINE_8);
}

void ScCanvas::marker(cv::Point2d at, cv::Scalar bgr) {
  const int r = std::max(6, static_cast<int>(font_px()));
  const cv::Point p(static_cast<int>(std::lround(at.x)), static_cast<int>(std::lround(at.y)));
  cv::circle(image_, p, r, cv::Scalar(0, 0, 0), 4, cv::LINE_AA);
  cv::circle(image_, p, r, bgr, 2, cv::LINE_AA);
}

void ScCanvas::label(const std::string& text, cv::Point at, cv::Scalar bgr) {
  const double font = font_px();
  const double scale = cv::getFontScaleFromHeight(cv::FONT_HERSHEY_SIMPLEX, static_cast<int>(font), 1);
  int base = 0;
  const auto size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &base);
  at.x = std::clamp(at.x, 0, std::max(0, image_.cols - size.width - 2));
  at.y = std::clamp(at.y, size.height + 2, image_.rows - 2);
  cv::putText(image_, text, at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(0, 0, 0), 4, cv::LINE_AA);
  cv::putText(image_, text, at, cv::FONT_HERSHEY_SIMPLEX, scale, bgr, 1, cv::LINE_AA);
}

results::ScContent ScCanvas::finish(const std::vector<std::string>& lines, const std::string& derivation) {
  double font = font_px();
  const int thickness = std::max(1, static_cast<int>(font / 12));
  // Shrink the font until the longest line fits the width.
  double scale = cv::getFontScaleFromHeight(cv::FONT_HERSHEY_SIMPLEX, static_cast<int>(font), thickness);
  int widest = 0, base = 0;
  for (const auto& l : lines) widest = std::max(widest, cv::getTextSize(l, cv::FONT_HERSHEY_SIMPLEX, scale, thickness, &base).width);
  const int margin = std::max(4, image_.cols / 100);
  if (widest > image_.cols - 2 * margin && widest > 0) {
    scale *= static_cast<double>(image_.cols - 2 * margin) / widest;
    font *= static_cast<double>(image_.cols - 2 * margin) / widest;
  }
  const int step = static_cast<int>(std::ceil(font * 1.5));
  const int band = std::min(image_.rows, margin + step * static_cast<int>(lines.size()) + margin / 2);
  cv::Mat3b top = image_(cv::Rect(0, 0, image_.cols, band));
  top *= 0.35;  // darken the band behind the text
  int y = margin + static_cast<int>(font);
  for (const auto& l : lines) {
    cv::putText(image_, l, cv::Point(margin, y), cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(255, 255, 255), thickness,
                cv::LINE_AA);
    y += step;
  }
  results::ScContent sc;
  sc.image.rows = static_cast<unsigned>(image_.rows);
  sc.image.cols = static_cast<unsigned>(image_.cols);
  sc.image.pixels.resize(static_cast<std::size_t>(image_.rows) * static_cast<std::size_t>(image_.cols) * 3);
  std::size_t k = 0;
  for (int r = 0; r < image_.rows; ++r) {
    const cv::Vec3b* p = image_[r];
    for (int c = 0; c < image_.cols; ++c) {
      sc.image.pixels[k++] = p[c][2];
      sc.image.pixels[k++] = p[c][1];
      sc.image.pixels[k++] = p[c][0];
    }
  }
  sc.burned_in_text = lines;
  sc.derivation_description = derivation;
  return sc;
}

std::vector<std::string> sc_header(const std::string& algorithm, const std::string& version, const ModelCalls& calls) {
  std::vector<std::string> lines{"AI result - not for primary diagnosis (synthetic-phantom model, not clinical)",
                                 fmt::format("Algorithm: {} {}", algorithm, version)};
  if (auto line = domain_line(calls); !line.empty()) lines.push_back(std::move(line));
  return lines;
}

std::string domain_line(const ModelCalls& calls) { return describe_domain(calls.verdicts()); }

std::string fixed(double value, int decimals) { return fmt::format("{:.{}f}", value, decimals); }

} // namespace osteon::pipelines::detail
