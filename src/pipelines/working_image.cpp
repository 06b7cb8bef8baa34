#include "working_image.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "osteon/core/error.hpp"
#include "osteon/imaging/decoder.hpp"

namespace osteon::pipelines::detail {

cv::Mat1f view(const imaging::Image& image) {
  return cv::Mat1f(image.rows(), image.cols(), const_cast<float*>(image.data()));
}

namespace {

bool has_note(const imaging::ImageInfo& info, const char* text) {
  return std::any_of(info.notes.begin(), info.notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

} // namespace

Working make_working(const dicom::DicomFile& source) {
  Working w;
  imaging::DecodeOptions modality_options;
  modality_options.stage = imaging::Stage::modality;
  const imaging::Image modality = imaging::decode(source, modality_options);
  w.display = imaging::decode(source);
  w.src_rows = modality.rows();
  w.src_cols = modality.cols();

  cv::Mat1f eight(modality.rows(), modality.cols());
  const cv::Mat1f src = view(modality);
  const auto& info = modality.info;
  const bool plain = !info.signed_pixels && info.bits_stored >= 1 && info.bits_stored <= 16 &&
                     !has_note(info, "rescale") && !has_note(info, "Modality LUT") && info.samples_per_pixel <= 1;
  if (plain) {
    // The training PNGs: stored >> (bits - 8), i.e. floor(v / 2^(bits-8)), then / 255.
    const double div = std::ldexp(1.0, info.bits_stored - 8);
    for (int r = 0; r < src.rows; ++r) {
      const float* s = src[r];
      float* o = eight[r];
      for (int c = 0; c < src.cols; ++c) {
        o[c] = static_cast<float>(std::clamp(std::floor(static_cast<double>(s[c]) / div), 0.0, 255.0) / 255.0);
      }
    }
    w.mapping = fmt::format("stored values / 2^{} (8-bit scale, no window)", info.bits_stored - 8);
  } else {
    double lo = 0, hi = 0;
    cv::minMaxLoc(src, &lo, &hi);
    const double range = hi > lo ? hi - lo : 1.0;
    for (int r = 0; r < src.rows; ++r) {
      const float* s = src[r];
      float* o = eight[r];
      for (int c = 0; c < src.cols; ++c) {
        o[c] = static_cast<float>(std::clamp(std::floor((s[c] - lo) / range * 255.0 + 1e-9), 0.0, 255.0) / 255.0);
      }
    }
    w.mapping = "modality value range scaled linearly to 8 bits (no window)";
  }
  if (has_note(info, "MONOCHROME1") || has_note(info, "INVERSE")) w.mapping += ", inverted (MONOCHROME1/INVERSE)";

  const double s = static_cast<double>(work_side) / std::max(src.rows, src.cols);
  const int rows = std::max(1, static_cast<int>(std::floor(src.rows * s + 0.5)));
  const int cols = std::max(1, static_cast<int>(std::floor(src.cols * s + 0.5)));
  w.source01 = eight;
  if (rows == src.rows && cols == src.cols) {
    w.work = eight;
  } else {
    cv::resize(eight, w.work, cv::Size(cols, rows), 0, 0, cv::INTER_AREA);
  }
  w.fx = static_cast<double>(src.cols) / cols;
  w.fy = static_cast<double>(src.rows) / rows;
  return w;
}

Letterboxed letterbox(const cv::Mat1f& image, int size, bool contrast_norm) {
  Letterboxed l;
  const int h = image.rows, w = image.cols;
  l.scale = static_cast<double>(size) / std::max(h, w);
  const int height = std::clamp(static_cast<int>(std::floor(h * l.scale + 0.5)), 1, size);
  const int width = std::clamp(static_cast<int>(std::floor(w * l.scale + 0.5)), 1, size);
  l.placed = cv::Rect((size - width) / 2, (size - height) / 2, width, height);
  cv::Mat1f r;
  if (width == w && height == h) {
    r = image.clone();
  } else {
    cv::resize(image, r, l.placed.size(), 0, 0, cv::INTER_AREA);
  }
  if (contrast_norm) contrast(r);
  l.canvas = cv::Mat1f(size, size, 0.0f);
  r.copyTo(l.canvas(l.placed));
  return l;
}

void contrast(cv::Mat1f& image, const cv::Mat1b* mask) {
  double sum = 0, sum2 = 0;
  std::size_t n = 0;
  for (int r = 0; r < image.rows; ++r) {
    const float* p = image[r];
    const std::uint8_t* m = mask ? (*mask)[r] : nullptr;
    for (int c = 0; c < image.cols; ++c) {
      if (m && !m[c]) continue;
      sum += p[c];
      sum2 += static_cast<double>(p[c]) * p[c];
      ++n;
    }
  }
  const double mean = n ? sum / static_cast<double>(n) : 0.0;
  const double var = n ? std::max(0.0, sum2 / static_cast<double>(n) - mean * mean) : 1.0;
  const double sd = std::max(std::sqrt(var), 1e-3);
  for (int r = 0; r < image.rows; ++r) {
    float* p = image[r];
    for (int c = 0; c < image.cols; ++c) {
      p[c] = static_cast<float>(std::clamp((p[c] - mean) / sd, -3.0, 3.0) / 6.0 + 0.5);
    }
  }
}

cv::Mat1f square_crop(const cv::Mat1f& image, double cx, double cy, double side, int out) {
  cv::Mat1f result(out, out);
  const int h = image.rows, w = image.cols;
  auto at = [&](int y, int x) -> double { return (x < 0 || y < 0 || x >= w || y >= h) ? 0.0 : image(y, x); };
  std::vector<double> ts(static_cast<std::size_t>(out));
  for (int i = 0; i < out; ++i) ts[static_cast<std::size_t>(i)] = ((i + 0.5) / out - 0.5) * side;
  for (int v = 0; v < out; ++v) {
    const double y = cy + ts[static_cast<std::size_t>(v)];
    const double y0 = std::floor(y), fy = y - y0;
    const int iy = static_cast<int>(y0);
    float* o = result[v];
    for (int u = 0; u < out; ++u) {
      const double x = cx + ts[static_cast<std::size_t>(u)];
      const double x0 = std::floor(x), fx = x - x0;
      const int ix = static_cast<int>(x0);
      o[u] = static_cast<float>(at(iy, ix) * (1 - fx) * (1 - fy) + at(iy, ix + 1) * fx * (1 - fy) +
                                at(iy + 1, ix) * (1 - fx) * fy + at(iy + 1, ix + 1) * fx * fy);
    }
  }
  return result;
}

inference::Tensor to_tensor(const cv::Mat1f& image) {
  std::vector<float> data(static_cast<std::size_t>(image.rows) * static_cast<std::size_t>(image.cols));
  for (int r = 0; r < image.rows; ++r) {
    std::memcpy(data.data() + static_cast<std::size_t>(r) * static_cast<std::size_t>(image.cols), image[r],
                static_cast<std::size_t>(image.cols) * sizeof(float));
  }
  return inference::Tensor({1, image.rows, image.cols}, std::move(data));
}

inference::Tensors entry_inputs(const inference::Manifest& manifest, inference::Tensor image, const Working& w) {
  inference::Tensors inputs;
  inputs.push_back(std::move(image));
  for (const auto& extra : manifest.extra_inputs) {
    if (extra.name != "working_image") continue;
    if (extra.shape.size() != 3 || extra.shape[0] != 1 || extra.shape[1] != extra.shape[2])
      throw Error(Errc::config_invalid, fmt::format("model {}: extra input working_image must be [1, S, S], not {}", manifest.name,
                                                    inference::to_string(extra.shape)));
    inputs.push_back(to_tensor(letterbox(w.work, static_cast<int>(extra.shape[1])).canvas));
  }
  return inputs;
}

cv::Mat1f plane(const inference::Tensor& tensor, int rows, int cols, std::size_t index) {
  const auto n = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
  if (tensor.size() < (index + 1) * n) {
    throw Error(Errc::internal, fmt::format("model output {} is smaller than {} planes of {}x{}",
                                            inference::to_string(tensor.shape()), index + 1, rows, cols));
  }
  cv::Mat1f out(rows, cols);
  std::memcpy(out.ptr<float>(0), tensor.values().data() + index * n, n * sizeof(float));
  return out;
}

results::PixelLocation location(cv::Point2d p, const Working& w) {
  return {std::clamp(p.x, 0.0, w.src_cols - 1.0), std::clamp(p.y, 0.0, w.src_rows - 1.0)};
}

results::Outline outline_of(const cv::Mat1b& mask, const Working& w, std::size_t max_points) {
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(mask.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  if (contours.empty()) return {};
  const auto largest = std::max_element(contours.begin(), contours.end(), [](const auto& a, const auto& b) {
    return cv::contourArea(a) < cv::contourArea(b);
  });
  std::vector<cv::Point> poly = *largest;
  for (double tolerance = 0.75; poly.size() > max_points; tolerance *= 1.5)
    cv::approxPolyDP(*largest, poly, tolerance, true);
  if (poly.size() < 3) return {};
  results::Outline out;
  for (const auto& p : poly) out.push_back(location(w.to_source({static_cast<double>(p.x), static_cast<double>(p.y)}), w));
  return out;
}

} // namespace osteon::pipelines::detail
