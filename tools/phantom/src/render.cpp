#include "render.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace osteon::phantom {
namespace {

// Cheap approximately normal samples: four 16-bit uniforms per 64-bit draw (Irwin-Hall).
class FastNormal {
 public:
  explicit FastNormal(Rng& rng) : rng_(rng) {}
  float next() {
    const std::uint64_t b = rng_.bits();
    const double sum = static_cast<double>((b & 0xFFFF) + ((b >> 16) & 0xFFFF) +
                                           ((b >> 32) & 0xFFFF) + (b >> 48));
    return static_cast<float>((sum - 131070.0) * (1.0 / 37837.2));  // var of 4 U(0,65535)
  }

 private:
  Rng& rng_;
};

cv::Mat1f noise_field(int rows, int cols, Rng& rng) {
  cv::Mat1f field(rows, cols);
  FastNormal normal(rng);
  for (int y = 0; y < rows; ++y) {
    float* p = field.ptr<float>(y);
    for (int x = 0; x < cols; ++x) p[x] = normal.next();
  }
  return field;
}

struct Collimation {
  bool on = false;
  Vec center;
  double half_w = 0, half_h = 0, angle = 0, penumbra = 2, level = 1;
};

Collimation choose_collimation(const Scene& scene, Rng& rng) {
  Collimation c;
  const double w = scene.canvas.cols(), h = scene.canvas.rows();
  c.on = rng.chance(0.7);
  if (!c.on) return c;
  // Margins of 2-14%, never cutting what the scene must show.
  double left = rng.uniform(0.02, 0.14) * w, right = rng.uniform(0.02, 0.14) * w;
  double top = rng.uniform(0.02, 0.14) * h, bottom = rng.uniform(0.02, 0.14) * h;
  for (const cv::Rect& k : scene.keep) {
    left = std::min(left, k.x - 6.0);
    top = std::min(top, k.y - 6.0);
    right = std::min(right, w - (k.x + k.width) - 6.0);
    bottom = std::min(bottom, h - (k.y + k.height) - 6.0);
  }
  left = std::max(left, 0.0), right = std::max(right, 0.0);
  top = std::max(top, 0.0), bottom = std::max(bottom, 0.0);
  if (left + right + top + bottom < 8.0) {
    c.on = false;
    return c;
  }
  c.center = Vec{(left + w - right) / 2.0, (top + h - bottom) / 2.0};
  c.half_w = (w - left - right) / 2.0;
  c.half_h = (h - top - bottom) / 2.0;
  c.angle = rng.uniform(-1.5, 1.5);
  c.penumbra = rng.uniform(1.0, 4.0);
  c.level = rng.chance(0.8) ? rng.uniform(0.84, 0.99) : rng.uniform(0.0, 0.05);
  return c;
}

void burn_marker(cv::Mat1f& d, const Scene& scene, const Collimation& c, Rng& rng,
                 nlohmann::json& acquisition) {
  const double mm = 1.0 / scene.canvas.pose().px_per_mm;  // mm per px at the current scale
  const double height_px = std::clamp(11.0 / mm, 14.0, d.rows / 8.0);
  const double font_scale = height_px / 22.0;
  const int thickness = std::max(2, static_cast<int>(height_px / 7.0));
  int baseline = 0;
  const cv::Size text = cv::getTextSize(scene.marker, cv::FONT_HERSHEY_SIMPLEX, font_scale,
                                        thickness, &baseline);
  const int pad = std::max(4, static_cast<int>(height_px / 3.0));
  const int box_w = text.width + 2 * pad, box_h = text.height + 2 * pad;
  const double field_x0 = c.on ? c.center.x - c.half_w + 8 : 8.0;
  const double field_x1 = c.on ? c.center.x + c.half_w - 8 : d.cols - 8.0;
  const double field_y0 = c.on ? c.center.y - c.half_h + 8 : 8.0;
  const double field_y1 = c.on ? c.center.y + c.half_h - 8 : d.rows - 8.0;
  // Corners on the marker's side; prefer one that does not hide the anatomy.
  const int x = scene.marker_left ? static_cast<int>(field_x0) + 4
                                  : static_cast<int>(field_x1) - box_w - 4;
  std::vector<int> ys{static_cast<int>(field_y0) + 4, static_cast<int>(field_y1) - box_h - 4};
  if (rng.chance(0.5)) std::swap(ys[0], ys[1]);
  cv::Rect box(x, ys[0], box_w, box_h);
  for (const int y : ys) {
    const cv::Rect candidate(x, y, box_w, box_h);
    bool clear = true;
    for (const cv::Rect& k : scene.keep) clear = clear && (candidate & k).empty();
    if (clear) {
      box = candidate;
      break;
    }
  }
  const auto level = static_cast<float>(rng.uniform(0.93, 1.0));
  if (rng.chance(0.5)) {
    cv::rectangle(d, box, cv::Scalar(level), std::max(1, thickness / 2));
  }
  cv::putText(d, scene.marker, cv::Point(box.x + pad, box.y + pad + text.height),
              cv::FONT_HERSHEY_SIMPLEX, font_scale, cv::Scalar(level), thickness, cv::LINE_8);
  acquisition["marker"] = scene.marker;
  acquisition["marker_box"] = {box.x, box.y, box.width, box.height};
}

}  // namespace

Rendered render_radiograph(Scene& scene, unsigned bits, Rng& rng) {
  Canvas& canvas = scene.canvas;
  const int rows = canvas.rows(), cols = canvas.cols();
  Rendered out;
  nlohmann::json& acq = out.acquisition;

  // Trabecular texture: coarse noise enlarged, modulating bone only.
  cv::Mat1f texture;
  cv::resize(noise_field(std::max(2, rows / 3), std::max(2, cols / 3), rng), texture,
             cv::Size(cols, rows), 0, 0, cv::INTER_CUBIC);
  // Lucent lines (sutures, fracture lines, grooves) are drawn as negative bone; there can be
  // no less than no bone, so they vanish outside the bone.
  cv::max(canvas.bone, 0.0f, canvas.bone);
  const double blur = rng.uniform(0.5, 1.1);
  cv::Mat1f att;
  cv::multiply(canvas.bone, texture * 0.12f + 1.0f, att);
  att += canvas.metal;
  cv::GaussianBlur(att, att, cv::Size(), blur);
  att += canvas.soft * static_cast<float>(scene.mu_soft);

  const bool bright = rng.chance(0.15);
  const double bg = bright ? rng.uniform(0.32, 0.55) : rng.uniform(0.01, 0.14);
  const double top = rng.uniform(0.84, 0.97);
  const double sat = rng.uniform(1.4, 2.4);
  const double gamma = rng.uniform(0.8, 1.25);
  const double heel = bright ? rng.uniform(0.08, 0.2) : rng.uniform(0.0, 0.08);
  const bool heel_vertical = rng.chance(0.5);
  const double heel_sign = rng.sign();
  const double sigma = rng.uniform(0.004, 0.022);
  acq["bright_background"] = bright;
  acq["background_level"] = round_to(bg, 3);
  acq["gamma"] = round_to(gamma, 3);
  acq["noise"] = round_to(sigma, 4);
  acq["blur_px"] = round_to(blur, 2);

  // Response curve as a table over attenuation (exp and pow per pixel would dominate).
  constexpr double lut_max = 16.0;
  std::vector<double> lut(4097);
  const double lut_scale = static_cast<double>(lut.size() - 1) / lut_max;
  for (std::size_t k = 0; k < lut.size(); ++k) {
    const double a = static_cast<double>(k) / lut_scale;
    lut[k] = std::pow(bg + (top - bg) * (1.0 - std::exp(-a / sat)), gamma);
  }

  const Collimation coll = choose_collimation(scene, rng);
  const double ca = std::cos(coll.angle * 3.14159265358979323846 / 180.0);
  const double sa = std::sin(coll.angle * 3.14159265358979323846 / 180.0);
  FastNormal normal(rng);
  cv::Mat1f d(rows, cols);
  for (int y = 0; y < rows; ++y) {
    const float* a = att.ptr<float>(y);
    float* o = d.ptr<float>(y);
    for (int x = 0; x < cols; ++x) {
      const double pos_a = std::clamp(static_cast<double>(a[x]), 0.0, lut_max) * lut_scale;
      const auto k = std::min(static_cast<std::size_t>(pos_a), lut.size() - 2);
      const double frac = pos_a - static_cast<double>(k);
      double v = lut[k] + (lut[k + 1] - lut[k]) * frac;
      const double pos = heel_vertical ? static_cast<double>(y) / rows : static_cast<double>(x) / cols;
      v *= 1.0 + heel_sign * heel * (pos - 0.5);
      v += sigma * normal.next() * (0.5 + v);
      if (coll.on) {
        const double dx = x - coll.center.x, dy = y - coll.center.y;
        const double u = std::abs(ca * dx + sa * dy) - coll.half_w;
        const double w = std::abs(-sa * dx + ca * dy) - coll.half_h;
        const double outside = std::max(u, w);  // > 0 outside the field
        const double f = std::clamp(0.5 - outside / (2.0 * coll.penumbra), 0.0, 1.0);
        if (f < 1.0) v = f * v + (1.0 - f) * (coll.level + 0.3 * sigma * normal.next());
      }
      o[x] = static_cast<float>(v);
    }
  }
  acq["collimated"] = coll.on;
  if (coll.on) {
    nlohmann::json corners = nlohmann::json::array();
    for (const auto& [sx, sy] : {std::pair{-1, -1}, {1, -1}, {1, 1}, {-1, 1}}) {
      const double px = sx * coll.half_w, py = sy * coll.half_h;
      corners.push_back(point_json(coll.center + Vec{ca * px - sa * py, sa * px + ca * py}));
    }
    acq["collimation"] = corners;
    acq["shutter_level"] = round_to(coll.level, 3);
  }
  burn_marker(d, scene, coll, rng, acq);

  out.image.rows = static_cast<unsigned>(rows);
  out.image.cols = static_cast<unsigned>(cols);
  out.image.bits_stored = bits;
  out.image.pixels.resize(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
  const double max_value = static_cast<double>((1u << bits) - 1u);
  std::vector<std::uint32_t> histogram(256, 0);
  std::size_t i = 0;
  for (int y = 0; y < rows; ++y) {
    const float* p = d.ptr<float>(y);
    for (int x = 0; x < cols; ++x, ++i) {
      const double v = std::clamp(static_cast<double>(p[x]), 0.0, 1.0);
      out.image.pixels[i] = static_cast<std::uint16_t>(std::lround(v * max_value));
      ++histogram[std::min<std::size_t>(255, static_cast<std::size_t>(v * 256.0))];
    }
  }
  // Window over the 0.5th to 99.5th percentile.
  const double total = static_cast<double>(i);
  double acc = 0.0, lo = 0.0, hi = 1.0;
  bool have_lo = false;
  for (std::size_t b = 0; b < histogram.size(); ++b) {
    acc += histogram[b];
    if (!have_lo && acc >= 0.005 * total) lo = static_cast<double>(b) / 256.0, have_lo = true;
    if (acc >= 0.995 * total) {
      hi = static_cast<double>(b + 1) / 256.0;
      break;
    }
  }
  out.window_center = std::round((lo + hi) / 2.0 * max_value);
  out.window_width = std::max(2.0, std::round((hi - lo) * max_value));
  return out;
}

}  // namespace osteon::phantom
