#pragma once
// Local contrast and noise: CLAHE, denoising, sharpening. Inputs are expected in [0, 1].
#include "osteon/imaging/image.hpp"

namespace osteon::imaging {

struct ClaheOptions {
  double clip_limit = 2.0;  // histogram clip, as a multiple of the mean count per grey level
  int tiles = 8;            // tiles x tiles grid
};
/// Contrast-limited adaptive histogram equalisation over 4096 grey levels; 16-bit output.
Image clahe(const Image& image, const ClaheOptions& options = {});

enum class DenoiseMethod { gaussian, median, bilateral };
struct DenoiseOptions {
  DenoiseMethod method = DenoiseMethod::median;
  int radius = 1;             // kernel (2 radius + 1)^2; median supports radius 1 or 2
  double sigma = 1.0;         // gaussian: spatial sigma in pixels; bilateral: spatial sigma
  double sigma_range = 0.1;   // bilateral: intensity sigma
};
Image denoise(const Image& image, const DenoiseOptions& options = {});

struct SharpenOptions {
  double sigma = 1.5;   // blur of the unsharp mask, in pixels
  double amount = 1.0;  // out = in + amount * (in - blur)
};
/// Unsharp masking, clamped to the input's value range.
Image sharpen(const Image& image, const SharpenOptions& options = {});

} // namespace osteon::imaging
