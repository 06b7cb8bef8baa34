#pragma once
// Binary masks: Otsu and adaptive thresholds, morphology, connected components.
#include "osteon/imaging/image.hpp"

namespace osteon::imaging {

/// Otsu's threshold over a 256-bin histogram spanning the image's value range (inside the mask
/// when given). A flat image returns its value.
double otsu_threshold(const Image& image, const Mask* mask = nullptr);
/// 255 where value > threshold.
Mask threshold(const Image& image, double value);
/// threshold(image, otsu_threshold(image)).
Mask binarize_otsu(const Image& image);

struct AdaptiveOptions {
  int block_size = 51;      // odd neighbourhood size in pixels
  double offset = 0.0;      // inside where value > local mean - offset
  bool gaussian = true;     // Gaussian-weighted local mean, else box mean
};
Mask binarize_adaptive(const Image& image, const AdaptiveOptions& options = {});

enum class Morphology { erode, dilate, open, close };
/// With an elliptical structuring element of (2 radius + 1) pixels.
Mask morphology(const Mask& mask, Morphology op, int radius);

/// The largest 8-connected (or 4-connected) component; an empty mask stays empty.
Mask largest_component(const Mask& mask, int connectivity = 8);
/// Fills the holes of the mask (background not connected to the border).
Mask fill_holes(const Mask& mask);

} // namespace osteon::imaging
