#pragma once
// The images the models see, built exactly as tools/train/common.py builds them: the working image
// (longer side 512), letterbox, contrast normalisation, the bilinear square crop, and the tensors
// made from them. Private to src/pipelines (OpenCV appears here).
#include <filesystem>
#include <string>

#include <opencv2/core.hpp>

#include "osteon/dicom/dicom_file.hpp"
#include "osteon/imaging/image.hpp"
#include "osteon/inference/manifest.hpp"
#include "osteon/inference/model.hpp"
#include "osteon/inference/tensor.hpp"
#include "osteon/results/findings.hpp"

namespace osteon::pipelines::detail {

inline constexpr int work_side = 512;

/// A matrix expression evaluated into an 8-bit mask or a float image (a plain Mat_(MatExpr&&)
/// trips -Wconversion).
inline cv::Mat1b to_mask(const cv::MatExpr& e) {
  cv::Mat m = e;
  return cv::Mat1b(m);
}
inline cv::Mat1f to_float(const cv::MatExpr& e) {
  cv::Mat m = e;
  return cv::Mat1f(m);
}

/// An Image's pixels as a float matrix (shared, no copy).
cv::Mat1f view(const imaging::Image& image);

/// The decoded source and the working image the models were trained on.
struct Working {
  imaging::Image display;  // presentation-stage decode (VOI applied), source size, [0, 1]
  cv::Mat1f work;          // longer side 512, values on the training PNGs' 8-bit scale / 255
  cv::Mat1f source01;      // the same mapping at the source size (before the area resize)
  int src_rows = 0, src_cols = 0;
  double fx = 1.0, fy = 1.0;  // source pixels per working pixel (columns, rows)
  std::string mapping;        // how stored values were mapped to [0, 1]

  /// A working-image point (pixel centres at integers) in source pixels.
  cv::Point2d to_source(cv::Point2d p) const { return {(p.x + 0.5) * fx - 0.5, (p.y + 0.5) * fy - 0.5}; }
};

/// decode_file twice (modality stage for the models, presentation stage for the SC):
/// stored values (MONOCHROME1 mirrored) -> floor(v / 2^(bits-8)) / 255 (the PNGs of
/// osteon-phantom: "the stored range scaled linearly, no window"); objects with a rescale or a
/// modality LUT: their modality range min..max mapped linearly onto 0..255 and floored. Then
/// cv::INTER_AREA to longer side 512.
Working make_working(const dicom::DicomFile& source);

/// tools/train/common.py letterbox(): s = S / max(h, w); sizes floor(.*s + 0.5); area resize;
/// optional contrast over the resized pixels; centred on zeros.
struct Letterboxed {
  cv::Mat1f canvas;    // size x size, zeros around the resized image
  double scale = 1.0;  // canvas pixels per image pixel
  cv::Rect placed;     // where the resized image lies on the canvas
  cv::Point2d to_input(cv::Point2d p) const {
    return {(p.x + 0.5) * scale - 0.5 + placed.x, (p.y + 0.5) * scale - 0.5 + placed.y};
  }
  cv::Point2d from_input(cv::Point2d p) const {
    return {(p.x - placed.x + 0.5) / scale - 0.5, (p.y - placed.y + 0.5) / scale - 0.5};
  }
};
Letterboxed letterbox(const cv::Mat1f& image, int size, bool contrast_norm = false);

/// common.py contrast(): z = (v - mean) / max(std, 1e-3) over the mask's pixels (all when no
/// mask), clipped to [-3, 3], mapped to z / 6 + 0.5. In place, on every pixel.
void contrast(cv::Mat1f& image, const cv::Mat1b* mask = nullptr);

/// common.py bilinear_crop() with x0 = cx - side/2 + 0.5: output pixel (u, v) samples
/// x = cx + ((u + 0.5)/out - 0.5) * side (same for y), bilinear, zero outside.
cv::Mat1f square_crop(const cv::Mat1f& image, double cx, double cy, double side, int out);
/// A crop pixel (u, v) back in image pixels.
inline cv::Point2d from_crop(cv::Point2d uv, double cx, double cy, double side, int out) {
  return {cx + ((uv.x + 0.5) / out - 0.5) * side, cy + ((uv.y + 0.5) / out - 0.5) * side};
}

/// [1, H, W] tensor of a single-channel image.
inference::Tensor to_tensor(const cv::Mat1f& image);

/// An entry model's inputs: `image`, then, when its manifest declares the extra input
/// "working_image" (the texture its domain check looks at: tools/train/domain.py), the working
/// image letterboxed to that input's size on zeros, unnormalised.
inference::Tensors entry_inputs(const inference::Manifest& manifest, inference::Tensor image, const Working& w);
/// A [.., H, W] tensor's plane `index` as an image.
cv::Mat1f plane(const inference::Tensor& tensor, int rows, int cols, std::size_t index = 0);

/// The outline of a working-image mask's largest part, in source pixels (inside the image), with at
/// most `max_points` points (Douglas-Peucker, the tolerance grown until it fits): what the SR's
/// SCOORD and the GSPS draw. Empty when the mask is empty.
results::Outline outline_of(const cv::Mat1b& mask, const Working& w, std::size_t max_points = 64);

/// A source-pixel point as a results location, clamped inside the source.
results::PixelLocation location(cv::Point2d source_point, const Working& w);

} // namespace osteon::pipelines::detail
