#pragma once
// Greyscale pipeline on stored values: Modality LUT -> VOI -> polarity (PS3.3 C.11, PS3.4 N.2),
// computed once per possible stored value (at most 2^16) and applied by table lookup.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lut.hpp"
#include "osteon/imaging/image.hpp"

namespace osteon::imaging::detail {

enum class VoiFunction { linear, linear_exact, sigmoid };

struct GreySettings {
  Stage stage = Stage::presentation;
  int bits = 16;                 // stored sample range: bits and sign
  bool is_signed = false;
  double slope = 1.0, intercept = 0.0;
  const Lut* modality_lut = nullptr;                               // replaces slope/intercept
  std::optional<std::pair<std::int32_t, std::int32_t>> padding;    // stored values, inclusive
  // VOI, first one set wins: window, then VOI LUT, then the automatic percentile window.
  std::optional<Window> window;
  VoiFunction function = VoiFunction::linear;
  const Lut* voi_lut = nullptr;
  double auto_low_percent = 0.5, auto_high_percent = 99.5;
  bool invert = false;           // MONOCHROME1 or Presentation LUT Shape INVERSE
};

struct GreyResult {
  std::optional<Window> window;  // the window applied (automatic windows included)
  double modality_min = 0.0, modality_max = 0.0;  // range of the Modality LUT output
};

/// Renders n stored values into out (presentation: [0, 1]; modality: calibrated units).
/// Throws Error(invalid_argument) for a window the VOI function cannot use.
GreyResult render_grey(const std::int32_t* stored, std::size_t n, const GreySettings& settings, float* out);

/// VOI functions of PS3.3 C.11.2.1.2 on [0, 1].
double apply_voi(double x, const Window& w, VoiFunction f);

} // namespace osteon::imaging::detail
