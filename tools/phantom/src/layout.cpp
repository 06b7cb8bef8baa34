#include "layout.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace osteon::phantom {
namespace {

void write_png(const std::filesystem::path& file, const cv::Mat& image) {
  if (!cv::imwrite(file.string(), image)) throw std::runtime_error("cannot write " + file.string());
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

}  // namespace

Layout parse_layout(const std::string& name) {
  if (name == "rsna") return Layout::rsna;
  if (name == "skull-csv") return Layout::skull_csv;
  if (name == "implant-folders") return Layout::implant_folders;
  throw std::invalid_argument("unknown layout '" + name + "' (rsna, skull-csv, implant-folders)");
}

Kind layout_kind(Layout layout) {
  switch (layout) {
    case Layout::rsna: return Kind::hand;
    case Layout::skull_csv: return Kind::skull;
    default: return Kind::hip;
  }
}

LayoutWriter::LayoutWriter(const std::filesystem::path& out, Layout layout) : layout_(layout) {
  switch (layout) {
    case Layout::rsna:
      dir_ = out / "rsna";
      std::filesystem::create_directories(dir_ / "images");
      csv_.open(dir_ / "boneage.csv");
      csv_ << "id,boneage,male\n";
      break;
    case Layout::skull_csv:
      dir_ = out / "skull_csv";
      std::filesystem::create_directories(dir_ / "images");
      csv_.open(dir_ / "landmarks.csv");
      csv_ << "file,nasion_x,nasion_y,tip_x,tip_y,fracture,fracture_x,fracture_y\n";
      break;
    case Layout::implant_folders:
      dir_ = out / "implant_folders";
      std::filesystem::create_directories(dir_);
      break;
    case Layout::none:
      break;
  }
  if ((layout == Layout::rsna || layout == Layout::skull_csv) && !csv_)
    throw std::runtime_error("cannot write the labels in " + dir_.string());
}

void LayoutWriter::add(const std::string& stem, unsigned index, const cv::Mat1b& image8, const nlohmann::json& truth) {
  if (layout_ == Layout::rsna) {
    const std::string id = std::to_string(index + 1);
    write_png(dir_ / "images" / (id + ".png"), image8);
    csv_ << id << ',' << number(truth.at("bone_age_months").get<double>()) << ','
         << (truth.at("sex") == "M" ? "True" : "False") << '\n';
  } else if (layout_ == Layout::skull_csv) {
    write_png(dir_ / "images" / (stem + ".png"), image8);
    const auto& n = truth.at("nasion");
    const auto& t = truth.at("tip");
    const bool fracture = truth.at("fracture").get<bool>();
    csv_ << stem << ".png," << number(n[0].get<double>()) << ',' << number(n[1].get<double>()) << ','
         << number(t[0].get<double>()) << ',' << number(t[1].get<double>()) << ',' << (fracture ? 1 : 0) << ',';
    if (fracture && truth.contains("fracture_point") && truth["fracture_point"].is_array()) {
      csv_ << number(truth["fracture_point"][0].get<double>()) << ',' << number(truth["fracture_point"][1].get<double>());
    } else {
      csv_ << ',';
    }
    csv_ << '\n';
  } else if (layout_ == Layout::implant_folders) {
    // One crop per implant: a square around its box, 1.15 x the longer side, zeros outside.
    for (const auto& imp : truth.at("implants")) {
      const std::string design = imp.at("design_id");
      if (design == "none" || !imp.contains("bbox")) continue;
      const auto& b = imp.at("bbox");
      const double cx = b[0].get<double>() + b[2].get<double>() / 2.0, cy = b[1].get<double>() + b[3].get<double>() / 2.0;
      const int side = static_cast<int>(std::ceil(1.15 * std::max(b[2].get<double>(), b[3].get<double>())));
      const cv::Rect want(static_cast<int>(std::lround(cx - side / 2.0)), static_cast<int>(std::lround(cy - side / 2.0)), side, side);
      cv::Mat1b crop(side, side, static_cast<std::uint8_t>(0));
      const cv::Rect inside = want & cv::Rect(0, 0, image8.cols, image8.rows);
      if (inside.area() > 0) image8(inside).copyTo(crop(inside - want.tl()));
      const std::string folder = design == "UNKNOWN" ? "unknown" : design;
      std::filesystem::create_directories(dir_ / folder);
      write_png(dir_ / folder / (stem + "_" + imp.at("side").get<std::string>() + ".png"), crop);
    }
  }
  if (csv_.is_open() && !csv_) throw std::runtime_error("cannot write the labels in " + dir_.string());
}

}  // namespace osteon::phantom
