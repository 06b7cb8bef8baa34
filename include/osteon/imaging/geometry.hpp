#pragma once
// Geometry: resize, letterbox onto a square canvas, crop to a box, rotation to a principal axis.
// Pixel spacing in ImageInfo follows every resampling.
#include "osteon/imaging/image.hpp"

namespace osteon::imaging {

struct Box {
  int x = 0, y = 0, width = 0, height = 0;  // column, row of the top-left corner; size
  bool empty() const { return width <= 0 || height <= 0; }
  bool operator==(const Box&) const = default;
};

/// Resamples to rows x cols (area averaging when shrinking, bilinear when enlarging).
Image resize(const Image& image, int rows, int cols);

/// The image scaled (aspect preserved) to fit a size x size canvas, centred, the rest `fill`.
/// A point (x, y) of the input lands at (x * scale + offset_x, y * scale + offset_y).
struct Letterbox {
  Image image;
  double scale = 1.0;
  int offset_x = 0, offset_y = 0;
};
Letterbox letterbox(const Image& image, int size, float fill = 0.0f);

/// Smallest box holding every inside pixel; an empty box for an empty mask.
Box bounding_box(const Mask& mask);
/// The box grown by `margin` (a fraction of its larger side) on every side, kept inside
/// rows x cols.
Box with_margin(const Box& box, double margin, int rows, int cols);
/// The part of the image inside the box (clamped to the image). Throws for an empty result.
Image crop(const Image& image, const Box& box);
Mask crop(const Mask& mask, const Box& box);

/// Orientation of the mask's major axis (second moments), in degrees clockwise from the
/// vertical as seen on screen, in (-90, 90]. Throws for an empty mask.
double principal_axis_angle(const Mask& mask);

/// Rotates by `degrees` counter-clockwise as seen on screen about the centre, enlarging the
/// canvas so that nothing is cut; new area is `fill`.
Image rotate(const Image& image, double degrees, float fill = 0.0f);
Mask rotate(const Mask& mask, double degrees);

/// Rotates image and mask so that the mask's major axis is vertical.
struct Aligned {
  Image image;
  Mask mask;
  double degrees = 0.0;  // rotation applied (counter-clockwise)
};
Aligned rotate_to_principal_axis(const Image& image, const Mask& mask, float fill = 0.0f);

} // namespace osteon::imaging
