#include "osteon/phantom/contact_sheet.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>
#include <string>

namespace osteon::phantom {
namespace {

const cv::Scalar green(90, 220, 90), red(60, 60, 255), cyan(255, 220, 60), yellow(60, 230, 255),
    orange(40, 150, 255), white(255, 255, 255);

void label(cv::Mat3b& tile, const std::vector<std::string>& lines) {
  int y = 4;
  for (const auto& line : lines) {
    int base = 0;
    const cv::Size size = cv::getTextSize(line, cv::FONT_HERSHEY_SIMPLEX, 0.42, 1, &base);
    cv::rectangle(tile, cv::Rect(2, y, size.width + 6, size.height + 6), cv::Scalar(0, 0, 0),
                  cv::FILLED);
    cv::putText(tile, line, cv::Point(5, y + size.height + 2), cv::FONT_HERSHEY_SIMPLEX, 0.42,
                white, 1, cv::LINE_AA);
    y += size.height + 8;
  }
}

cv::Point2d pt(const nlohmann::json& j, double s) {
  return {j.at(0).get<double>() * s, j.at(1).get<double>() * s};
}

cv::Rect box(const nlohmann::json& j, double s) {
  return cv::Rect(cv::Point(static_cast<int>(j.at(0).get<double>() * s),
                            static_cast<int>(j.at(1).get<double>() * s)),
                  cv::Point(static_cast<int>((j.at(0).get<double>() + j.at(2).get<double>()) * s),
                            static_cast<int>((j.at(1).get<double>() + j.at(3).get<double>()) * s)));
}

std::string fmt(const char* format, double a, double b = 0, double c = 0) {
  char buf[96];
  std::snprintf(buf, sizeof buf, format, a, b, c);
  return buf;
}

void annotate_hand(cv::Mat3b& tile, const nlohmann::json& t, double s) {
  cv::rectangle(tile, box(t.at("hand_bbox"), s), green, 1);
  label(tile, {t.at("sex").get<std::string>() +
                   fmt(" BA %.0f CA %.0f mo", t.at("bone_age_months").get<double>(),
                       t.at("chronological_age_months").get<double>()),
               fmt("carpals %.0f  E/M %.2f  fused %.0f", t.at("ossified_carpals").get<double>(),
                   t.at("epiphysis_metaphysis_ratio_mean").get<double>(),
                   t.at("physes_fused").get<double>())});
}

void draw_nasal_marks(cv::Mat3b& img, const nlohmann::json& t, double s, cv::Point2d offset,
                      int radius) {
  const cv::Point2d n = pt(t.at("nasion"), s) - offset, tip = pt(t.at("tip"), s) - offset;
  cv::circle(img, n, radius, cyan, cv::FILLED, cv::LINE_AA);
  cv::circle(img, tip, radius, yellow, cv::FILLED, cv::LINE_AA);
  if (t.at("fracture").get<bool>())
    cv::circle(img, pt(t.at("fracture_point"), s) - offset, radius * 3, red, 1, cv::LINE_AA);
}

void annotate_skull(cv::Mat3b& tile, const cv::Mat1b& full, const nlohmann::json& t, double s) {
  // Magnified inset of the nasal bone in the lower right corner.
  const cv::Point2d n = pt(t.at("nasion"), 1.0), tip = pt(t.at("tip"), 1.0);
  const cv::Point2d mid = (n + tip) * 0.5;
  const double half = std::max(std::hypot(tip.x - n.x, tip.y - n.y) * 0.9, 20.0);
  cv::Rect crop(cv::Point(static_cast<int>(mid.x - half), static_cast<int>(mid.y - half)),
                cv::Size(static_cast<int>(2 * half), static_cast<int>(2 * half)));
  crop &= cv::Rect(0, 0, full.cols, full.rows);
  const int inset = tile.rows * 45 / 100;
  if (crop.area() > 16) {
    cv::Mat1b zoom;
    cv::resize(full(crop), zoom, cv::Size(inset, inset), 0, 0, cv::INTER_AREA);
    cv::Mat3b zoom3;
    cv::cvtColor(zoom, zoom3, cv::COLOR_GRAY2BGR);
    const double zs = static_cast<double>(inset) / crop.width;
    draw_nasal_marks(zoom3, t, zs, cv::Point2d(crop.x * zs, crop.y * zs), 2);
    const cv::Rect where(tile.cols - inset - 2, tile.rows - inset - 2, inset, inset);
    zoom3.copyTo(tile(where));
    cv::rectangle(tile, where, white, 1);
  }
  draw_nasal_marks(tile, t, s, {0, 0}, 2);
  const bool fracture = t.at("fracture").get<bool>();
  label(tile, {fracture ? "FRACTURE: " + t.at("fracture_type").get<std::string>() : "no fracture",
               fmt("nasal %.0f mm, %.0f deg", t.at("nasal_length_mm").get<double>(),
                   t.at("nasal_angle_deg").get<double>())});
}

void annotate_hip(cv::Mat3b& tile, const nlohmann::json& t, double s) {
  std::vector<std::string> lines;
  for (const auto& side : t.at("implants")) {
    const std::string id = side.at("design_id").get<std::string>();
    const std::string name = side.at("side").get<std::string>() == "right" ? "R" : "L";
    if (side.contains("bbox")) {
      const cv::Rect b = box(side.at("bbox"), s);
      cv::rectangle(tile, b, orange, 1);
      cv::putText(tile, id, cv::Point(b.x, std::min(tile.rows - 4, b.y + b.height + 12)),
                  cv::FONT_HERSHEY_SIMPLEX, 0.38, orange, 1, cv::LINE_AA);
    }
    lines.push_back(name + ": " + id);
  }
  if (lines.empty()) lines.push_back("no implant");
  label(tile, lines);
}

}  // namespace

cv::Mat3b make_contact_sheet(Kind kind, const std::vector<SheetTile>& tiles, int tile_height,
                             int columns) {
  if (tiles.empty()) return cv::Mat3b(32, 32, cv::Vec3b(0, 0, 0));
  const int tile_width = tile_height * tiles.front().image.cols / tiles.front().image.rows;
  const int gap = 4, header = 26;
  const int count = static_cast<int>(tiles.size());
  const int grid_rows = (count + columns - 1) / columns;
  const int grid_cols = std::min(columns, count);
  cv::Mat3b sheet(header + grid_rows * (tile_height + gap) + gap,
                  grid_cols * (tile_width + gap) + gap, cv::Vec3b(40, 40, 40));
  cv::putText(sheet, "Osteon synthetic " + std::string(kind_name(kind)) +
                         " phantoms (not patient data) - truth annotated",
              cv::Point(gap + 2, 18), cv::FONT_HERSHEY_SIMPLEX, 0.5, white, 1, cv::LINE_AA);
  for (int i = 0; i < count; ++i) {
    const SheetTile& st = tiles[static_cast<std::size_t>(i)];
    cv::Mat1b small;
    cv::resize(st.image, small, cv::Size(tile_width, tile_height), 0, 0, cv::INTER_AREA);
    cv::Mat3b tile;
    cv::cvtColor(small, tile, cv::COLOR_GRAY2BGR);
    const double s = static_cast<double>(tile_height) / st.image.rows;
    switch (kind) {
      case Kind::hand: annotate_hand(tile, st.truth, s); break;
      case Kind::skull: annotate_skull(tile, st.image, st.truth, s); break;
      case Kind::hip: annotate_hip(tile, st.truth, s); break;
    }
    const int r = i / columns, c = i % columns;
    tile.copyTo(sheet(cv::Rect(gap + c * (tile_width + gap), header + gap + r * (tile_height + gap),
                               tile_width, tile_height)));
  }
  return sheet;
}

}  // namespace osteon::phantom
