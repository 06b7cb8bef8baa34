// osteon-gsps-render: draws the graphic and text objects of a Grayscale Softcopy Presentation State
// onto the picture DCMTK's dcmp2pgm renders of its image with that presentation state
// (`dcmp2pgm -p GSPS IMAGE out.pgm`: the grayscale pipeline only, no vector graphics), and writes a
// PNG. For the README and docs/: how a PACS viewer shows Osteon's overlay on the original image.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <iostream>
#include <map>
#include <string>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "osteon/results/gsps_reader.hpp"
#include "osteon/results/gsps_writer.hpp"

namespace {

namespace r = osteon::results;

// BGR per layer, close to the colours the GSPS recommends for them.
cv::Scalar colour_of(const std::string& layer) {
  static const std::map<std::string, cv::Scalar> colours{
      {r::gsps_layer_text, {255, 255, 255}},  {r::gsps_layer_hand, {0, 220, 0}},
      {r::gsps_layer_anomaly, {0, 255, 255}}, {r::gsps_layer_landmarks, {255, 255, 0}},
      {r::gsps_layer_implant, {0, 230, 0}}};
  const auto it = colours.find(layer);
  return it == colours.end() ? cv::Scalar(0, 200, 255) : it->second;
}

// The text at `at` (its baseline's left end), `height_px` high, narrowed to `max_width` when given
// (a bounding box's width: the GSPS says where the text must fit).
void text(cv::Mat3b& image, const std::string& s, cv::Point at, double height_px, cv::Scalar colour, double max_width = 0) {
  double scale = cv::getFontScaleFromHeight(cv::FONT_HERSHEY_SIMPLEX, std::max(8, static_cast<int>(height_px)), 1);
  int base = 0;
  const double w = cv::getTextSize(s, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &base).width;
  if (max_width > 0 && w > max_width) scale *= max_width / w;
  cv::putText(image, s, at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(0, 0, 0), 3, cv::LINE_AA);
  cv::putText(image, s, at, cv::FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv::LINE_AA);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Draws a GSPS's graphic and text objects onto dcmp2pgm's rendering of its image and writes a PNG.\n"
               "Make the rendering first: dcmp2pgm -p GSPS.dcm IMAGE.dcm IMAGE.pgm"};
  std::string pgm, gsps_file, png;
  int width = 640;
  app.add_option("rendering", pgm, "the image as dcmp2pgm rendered it with the GSPS (PGM)")->required()->check(CLI::ExistingFile);
  app.add_option("gsps", gsps_file, "the presentation state (DICOM)")->required()->check(CLI::ExistingFile);
  app.add_option("png", png, "the PNG to write")->required();
  app.add_option("--width", width, "width of the PNG in pixels (default 640)")->check(CLI::Range(64, 8192));
  CLI11_PARSE(app, argc, argv);
  try {
    const cv::Mat grey = cv::imread(pgm, cv::IMREAD_GRAYSCALE);
    if (grey.empty()) throw std::runtime_error("cannot read the rendering " + pgm);
    const r::GspsContent g = r::read_gsps(gsps_file);
    // PIXEL units are the image's; dcmp2pgm writes the displayed area at the image's size.
    const double k = static_cast<double>(width) / grey.cols;
    cv::Mat small;
    cv::resize(grey, small, cv::Size(width, std::max(1, static_cast<int>(std::lround(grey.rows * k)))), 0, 0,
               cv::INTER_AREA);
    cv::Mat3b out;
    cv::cvtColor(small, out, cv::COLOR_GRAY2BGR);
    const auto at = [&](float x, float y, const std::string& units) {
      if (units == "DISPLAY") return cv::Point2d(static_cast<double>(x) * out.cols, static_cast<double>(y) * out.rows);
      return cv::Point2d(x * k, y * k);
    };
    const int thickness = std::max(1, width / 320);
    for (const auto& o : g.graphics) {
      const cv::Scalar c = colour_of(o.layer);
      std::vector<cv::Point> points;
      for (std::size_t i = 0; i + 1 < o.data.size(); i += 2) points.push_back(at(o.data[i], o.data[i + 1], o.units));
      if (o.type == "POLYLINE" || o.type == "INTERPOLATED") {
        cv::polylines(out, points, false, c, thickness, cv::LINE_AA);
      } else if (o.type == "CIRCLE" && points.size() == 2) {
        const double radius = std::hypot(points[1].x - points[0].x, points[1].y - points[0].y);
        cv::circle(out, points[0], static_cast<int>(std::lround(radius)), c, thickness, cv::LINE_AA);
      } else if (o.type == "POINT" && !points.empty()) {
        cv::drawMarker(out, points[0], c, cv::MARKER_CROSS, std::max(8, width / 60), thickness, cv::LINE_AA);
      }
    }
    for (const auto& t : g.texts) {
      const cv::Scalar c = colour_of(t.layer);
      if (t.box.size() == 4) {
        const cv::Point2d tl = at(t.box[0], t.box[1], t.box_units), br = at(t.box[2], t.box[3], t.box_units);
        const double h = std::max(9.0, std::min(0.7 * (br.y - tl.y), width / 55.0));
        if (t.anchor.size() == 2) cv::line(out, tl, at(t.anchor[0], t.anchor[1], t.anchor_units), c, 1, cv::LINE_AA);
        text(out, t.text, cv::Point(static_cast<int>(tl.x), static_cast<int>(tl.y + h)), h, c, br.x - tl.x);
      } else if (t.anchor.size() == 2) {
        text(out, t.text, at(t.anchor[0], t.anchor[1], t.anchor_units), width / 55.0, c);
      }
    }
    if (!cv::imwrite(png, out)) throw std::runtime_error("cannot write " + png);
  } catch (const std::exception& e) {
    std::cerr << "osteon-gsps-render: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
