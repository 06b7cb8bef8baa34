#pragma once
// The imaging layer's own image types, independent of OpenCV and DCMTK.
//
//   Image     float32 grey levels, row-major, higher = brighter, with what is known about
//             where they came from (pixel spacing, window used, photometric notes...).
//   Mask      8-bit binary mask, 0 = outside, 255 = inside (the OpenCV convention).
//   RgbImage  8-bit display image, R,G,B interleaved, row-major.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace osteon::imaging {

/// Physical distance between pixel centres, in millimetres.
struct PixelSpacing {
  double row_mm = 0.0;     // between adjacent rows (vertical)
  double column_mm = 0.0;  // between adjacent columns (horizontal)
  std::string source;      // "PixelSpacing", "ImagerPixelSpacing", ... or "derived"
};

/// A linear VOI window in modality units (PS3.3 C.11.2.1.2).
struct Window {
  double center = 0.0;
  double width = 0.0;
};

/// What the decoder produced the values as.
enum class Stage {
  presentation,  // modality LUT, VOI LUT, polarity applied: values in [0, 1], 1 = white
  modality,      // modality LUT applied (calibrated units), MONOCHROME1 mirrored so that
                 // higher is brighter everywhere; no VOI; padding pixels take the darkest value
                 // that real pixels have
};

/// Provenance of an image: set by the decoder, carried (and adjusted) by the operators.
struct ImageInfo {
  Stage stage = Stage::presentation;
  std::optional<PixelSpacing> pixel_spacing;
  std::optional<Window> window;       // the VOI window applied, when one was (modality units)
  std::string photometric;            // as stored, e.g. "MONOCHROME1", "YBR_FULL_422"
  std::string transfer_syntax;        // UID of the encoding that was decoded
  int bits_allocated = 0;
  int bits_stored = 0;
  bool signed_pixels = false;
  int samples_per_pixel = 0;
  int frames = 1;                     // frames in the object
  int frame = 0;                      // which one this is (0-based)
  std::vector<std::string> notes;     // e.g. "MONOCHROME1 inverted", "VOI LUT sequence applied"

  bool has_note(const std::string& prefix) const;
};

class Image {
 public:
  Image() = default;
  Image(int rows, int cols, float fill = 0.0f);
  Image(int rows, int cols, std::vector<float> pixels);

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  bool empty() const { return pixels_.empty(); }
  std::size_t size() const { return pixels_.size(); }

  float at(int row, int col) const { return pixels_[index(row, col)]; }
  float& at(int row, int col) { return pixels_[index(row, col)]; }
  const float* data() const { return pixels_.data(); }
  float* data() { return pixels_.data(); }
  const std::vector<float>& pixels() const { return pixels_; }
  std::vector<float>& pixels() { return pixels_; }

  ImageInfo info;

 private:
  std::size_t index(int row, int col) const {
    return static_cast<std::size_t>(row) * static_cast<std::size_t>(cols_) + static_cast<std::size_t>(col);
  }
  int rows_ = 0, cols_ = 0;
  std::vector<float> pixels_;
};

class Mask {
 public:
  Mask() = default;
  Mask(int rows, int cols, std::uint8_t fill = 0);

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  bool empty() const { return data_.empty(); }
  std::uint8_t at(int row, int col) const { return data_[index(row, col)]; }
  std::uint8_t& at(int row, int col) { return data_[index(row, col)]; }
  const std::uint8_t* data() const { return data_.data(); }
  std::uint8_t* data() { return data_.data(); }
  /// Number of pixels inside (non-zero).
  std::size_t count() const;

 private:
  std::size_t index(int row, int col) const {
    return static_cast<std::size_t>(row) * static_cast<std::size_t>(cols_) + static_cast<std::size_t>(col);
  }
  int rows_ = 0, cols_ = 0;
  std::vector<std::uint8_t> data_;
};

class RgbImage {
 public:
  RgbImage() = default;
  RgbImage(int rows, int cols);

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  bool empty() const { return data_.empty(); }
  const std::uint8_t* pixel(int row, int col) const { return data_.data() + 3 * index(row, col); }
  std::uint8_t* pixel(int row, int col) { return data_.data() + 3 * index(row, col); }
  const std::uint8_t* data() const { return data_.data(); }
  std::uint8_t* data() { return data_.data(); }
  const std::vector<std::uint8_t>& bytes() const { return data_; }

 private:
  std::size_t index(int row, int col) const {
    return static_cast<std::size_t>(row) * static_cast<std::size_t>(cols_) + static_cast<std::size_t>(col);
  }
  int rows_ = 0, cols_ = 0;
  std::vector<std::uint8_t> data_;
};

} // namespace osteon::imaging
