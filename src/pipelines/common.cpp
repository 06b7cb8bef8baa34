// Shared pre/post-processing of the pipelines (see common.hpp).
#include "common.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "osteon/core/error.hpp"
#include "osteon/imaging/decoder.hpp"

namespace osteon::pipelines::detail {

void Stopwatch::lap(const std::string& stage, double excluding_ms) {
  const auto now = std::chrono::steady_clock::now();
  out_.push_back({stage, std::max(0.0, std::chrono::duration<double, std::milli>(now - start_).count() - excluding_ms)});
  start_ = now;
}

namespace {

cv::Mat1f view(const imaging::Image& image) {
  return cv::Mat1f(image.rows(), image.cols(), const_cast<float*>(image.data()));
}

bool has_note(const imaging::ImageInfo& info, const char* text) {
  return std::any_of(info.notes.begin(), info.notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

} // namespace

Working make_working(const std::filesystem::path& file) {
  Working w;
  imaging::DecodeOptions modality_options;
  modality_options.stage = imaging::Stage::modality;
  const imaging::Image modality = imaging::decode_file(file, modality_options);
  w.display = imaging::decode_file(file);
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
  l.s = static_cast<double>(size) / std::max(h, w);
  l.nh = std::clamp(static_cast<int>(std::floor(h * l.s + 0.5)), 1, size);
  l.nw = std::clamp(static_cast<int>(std::floor(w * l.s + 0.5)), 1, size);
  l.ox = (size - l.nw) / 2;
  l.oy = (size - l.nh) / 2;
  cv::Mat1f r;
  if (l.nw == w && l.nh == h) {
    r = image.clone();
  } else {
    cv::resize(image, r, cv::Size(l.nw, l.nh), 0, 0, cv::INTER_AREA);
  }
  if (contrast_norm) contrast(r);
  l.canvas = cv::Mat1f(size, size, 0.0f);
  r.copyTo(l.canvas(cv::Rect(l.ox, l.oy, l.nw, l.nh)));
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

namespace osteon::pipelines::detail {

Finding start_finding(const ModelSet& models, const std::optional<std::string>& unavailable) {
  Finding f;
  f.model_name = models.names();
  f.model_version = models.versions();
  f.model_sha256 = models.sha256s();
  if (unavailable) {
    f.outcome = Outcome::retry;
    f.summary = *unavailable;
  }
  return f;
}

nlohmann::json model_list(const ModelSet& models, std::initializer_list<const char*> names) {
  nlohmann::json list = nlohmann::json::array();
  for (const char* m : names) {
    const auto& man = models.manifest(m);
    list.push_back({{"name", man.name}, {"version", man.version}, {"sha256", man.sha256}});
  }
  return list;
}

Finding decode_failure(Finding f, results::AnalysisKind kind, const std::exception& e, nlohmann::json& data) {
  const std::string reason = std::string("the image cannot be decoded: ") + e.what();
  f.outcome = Outcome::not_analysable;
  f.summary = "not analysable: " + reason;
  f.result = results::NotAnalysable{kind, reason};
  data["not_analysable"] = reason;
  f.data_json = data.dump();
  return f;
}

namespace {

nlohmann::json verdicts_json(const std::vector<inference::DomainVerdict>& verdicts) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& v : verdicts) {
    if (v.checked) {
      out.push_back({{"model", v.model}, {"score", v.score}, {"threshold", v.threshold}, {"in_domain", v.in_domain}});
    } else {
      out.push_back({{"model", v.model}, {"checked", false}});
    }
  }
  return out;
}

} // namespace

std::string domain_first(ModelCalls& calls, const std::string& model, inference::Tensors inputs, const std::string& reason) {
  try {
    calls.run(model, std::move(inputs));
  } catch (const inference::OutOfDomain& e) {
    return std::string(e.what()) + "; the pipeline's own checks also found: " + reason;
  }
  return reason;
}

Finding run_checked(const ModelSet& models, const PipelineInfo& info, const std::function<Finding(RunContext&)>& analyse) {
  RunContext ctx(models);
  Finding f;
  try {
    f = analyse(ctx);
  } catch (const inference::OutOfDomain& e) {
    f = start_finding(models, std::nullopt);
    const std::string reason = e.what();
    f.outcome = Outcome::not_analysable;
    f.summary = "not analysable: " + reason;
    f.result = results::NotAnalysable{info.kind, reason};
    ctx.data["not_analysable"] = reason;
    ctx.data["out_of_domain"] = verdicts_json({e.verdict()});
    if (ctx.display) {
      Stopwatch clock(ctx.timings);
      ScCanvas sc(*ctx.display);
      auto lines = sc_header(info.algorithm, info.version, ctx.calls);
      lines.push_back(fmt::format("{}: NOT ANALYSABLE", results::kind_name(info.kind)));
      lines.push_back(reason);
      f.illustration = sc.finish(lines, "source with the reason it was not analysed (out of the model's domain)");
      clock.lap("render");
    }
    f.data_json = ctx.data.dump();
  }
  f.timings.insert(f.timings.begin(), ctx.timings.begin(), ctx.timings.end());
  f.domain = ctx.calls.verdicts();
  if (!f.domain.empty() && f.outcome != Outcome::retry) {
    nlohmann::json data = nlohmann::json::parse(f.data_json, nullptr, false);
    if (data.is_discarded() || !data.is_object()) data = nlohmann::json::object();
    data["domain"] = verdicts_json(f.domain);
    const auto unchecked = ctx.calls.not_checked();
    if (!unchecked.empty()) {
      data["domain_not_checked"] = unchecked;
      f.summary += fmt::format("; domain not checked ({} without a domain check)", fmt::join(unchecked, ", "));
    }
    f.data_json = data.dump();
  }
  return f;
}

Finding error_finding(Finding f, results::AnalysisKind kind, const std::exception& e, nlohmann::json& data) {
  (void)kind;
  const auto* error = dynamic_cast<const Error*>(&e);
  if (error && (error->code() == Errc::out_of_resources || error->code() == Errc::not_found)) {
    f.outcome = Outcome::retry;
    f.summary = std::string(error->code() == Errc::out_of_resources ? "inference busy, retry later: "
                                                                     : "model unavailable, retry later: ") +
                e.what();
    data["retry"] = f.summary;
    f.data_json = data.dump();
    return f;
  }
  throw;
}

} // namespace osteon::pipelines::detail
