// Luminance from colour samples.
#include "colour.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "osteon/core/error.hpp"

namespace osteon::imaging::detail {

void render_colour(const FrameSamples& fs, Stage stage, const std::array<Lut, 3>* palette, float* out,
                   std::vector<std::string>& notes) {
  const std::size_t n = fs.pixels;
  const std::string& model = fs.color_model;
  const auto sample = [&](int c, std::size_t i) {
    return static_cast<double>(std::max(0, fs.values[static_cast<std::size_t>(c) * n + i]));
  };
  double max = static_cast<double>((1u << fs.bits) - 1u);
  if (model == "PALETTE COLOR") {
    if (palette == nullptr) throw Error(Errc::dicom_unparseable, "PALETTE COLOR without palette tables");
    const auto& p = *palette;
    max = std::max({p[0].max_output(), p[1].max_output(), p[2].max_output()});
    const double scale = stage == Stage::presentation ? 1.0 / max : 1.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double v = sample(0, i);
      out[i] = static_cast<float>(scale * (0.299 * p[0].lookup(v) + 0.587 * p[1].lookup(v) + 0.114 * p[2].lookup(v)));
    }
    notes.push_back("PALETTE COLOR converted to luminance (Rec. 601)");
    return;
  }
  const double scale = stage == Stage::presentation ? 1.0 / max : 1.0;
  if (model == "RGB" && fs.components == 3) {
    for (std::size_t i = 0; i < n; ++i) {
      out[i] = static_cast<float>(scale * (0.299 * sample(0, i) + 0.587 * sample(1, i) + 0.114 * sample(2, i)));
    }
    notes.push_back("RGB converted to luminance (Rec. 601)");
  } else if (model == "YBR_PARTIAL_422" || model == "YBR_PARTIAL_420") {
    const double unit = (max + 1.0) / 256.0;  // Y in [16, 235] at 8 bits
    for (std::size_t i = 0; i < n; ++i) {
      const double y = std::clamp((sample(0, i) - 16.0 * unit) / (219.0 * unit), 0.0, 1.0);
      out[i] = static_cast<float>(stage == Stage::presentation ? y : y * max);
    }
    notes.push_back(fmt::format("{}: luminance taken from Y (limited range)", model));
  } else if (model.rfind("YBR_", 0) == 0 || model == "Y") {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(scale * sample(0, i));
    notes.push_back(fmt::format("{}: luminance taken from Y", model == "Y" ? "YBR 4:2:2" : model));
  } else {
    throw Error(Errc::dicom_unparseable, fmt::format("colour model '{}' is not supported", model));
  }
}

} // namespace osteon::imaging::detail
