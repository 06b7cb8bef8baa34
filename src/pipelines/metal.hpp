#pragma once
// Metal (implant) segmentation on the working image of a hip AP (private to src/pipelines).
#include <vector>

#include <opencv2/core.hpp>

namespace osteon::pipelines::detail {

struct MetalRegion {
  int side = 0;          // 1: image left (patient's right), 2: image right (patient's left)
  cv::Mat1b mask;        // working size, this side's metal
  cv::Rect box;          // bounding box (working pixels)
  double contrast = 0;   // mean local contrast of its core
  int area = 0;
};

struct MetalOptions {
  int solid_radius = 3;        // opening radius: keeps solid structures (stems, heads), drops cortex lines
  int background_radius = 30;  // opening radius of the soft-tissue / large-structure background
  double min_contrast = 0.08;  // candidate cores: solid brightness above the background by this much
  double relative = 0.5;       // cores: contrast above this share of the strongest structure's
  double min_ratio = 1.3;      // metal: a core's mean contrast over the 98th percentile elsewhere
  double grow_share = 0.5;     // pixels joined to a core when above the background by this share of its contrast
  int grow_radius = 20;        // ... within this distance of it
  int min_area = 600;          // core pixels (working resolution): markers and specks are smaller
  double white_shutter = 0.82;      // border pixels above this: white shutters (0.85-0.96 of full scale)
  double black_shutter = 0.06;      // ... below this: black shutters (or air)
  double shutter_tolerance = 0.05;  // shutters: within this of the border's median level
  int penumbra = 8;                 // pixels around shutters that are not analysed
  double max_border_share = 0.15;  // cores with more of their outline on the image border or a shutter: edges
};

struct MetalDebug {
  double max_contrast = 0;  // the strongest structure's contrast (90th percentile)
  double reference = 0;     // contrast reached elsewhere
  double background = 0;    // 2nd percentile of the field
  double range = 0;         // 99.5th - 2nd percentile of the field
  int cores = 0;
};

/// One region per side with metal (none: no implant).
std::vector<MetalRegion> segment_metal(const cv::Mat1f& work, const MetalOptions& options = {}, MetalDebug* debug = nullptr);

} // namespace osteon::pipelines::detail
