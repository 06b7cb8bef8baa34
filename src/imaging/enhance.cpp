// CLAHE, denoising and sharpening with OpenCV's imgproc.
#include "osteon/imaging/enhance.hpp"

#include <opencv2/imgproc.hpp>

#include <fmt/format.h>

#include "cv_bridge.hpp"

namespace osteon::imaging {

Image clahe(const Image& image, const ClaheOptions& options) {
  if (options.tiles < 1 || options.clip_limit <= 0) throw Error(Errc::invalid_argument, "CLAHE: tiles >= 1, clip > 0");
  // OpenCV runs 16-bit CLAHE over 65536 bins, with the clip limit a multiple of the mean count
  // per bin: over so many sparsely used bins, every limit degenerates to 1 count. Quantising to
  // 4096 grey levels and scaling the limit by 65536 / 4096 gives a 4096-bin CLAHE whose clip
  // limit means what it means for 8-bit images, while the output keeps 16-bit precision.
  constexpr double levels = 4096.0;
  cv::Mat in16;
  detail::view(image).convertTo(in16, CV_16U, levels - 1.0);  // saturates outside [0, 1]
  auto c = cv::createCLAHE(options.clip_limit * (65536.0 / levels), cv::Size(options.tiles, options.tiles));
  cv::Mat out16, out;
  c->apply(in16, out16);
  out16.convertTo(out, CV_32F, 1.0 / 65535.0);
  Image result = detail::to_image(out, image.info);
  result.info.notes.push_back(fmt::format("CLAHE clip {} tiles {}", options.clip_limit, options.tiles));
  return result;
}

Image denoise(const Image& image, const DenoiseOptions& o) {
  const cv::Mat in = detail::view(image);
  cv::Mat out;
  const int k = 2 * o.radius + 1;
  switch (o.method) {
    case DenoiseMethod::gaussian:
      if (o.radius < 1 || o.sigma <= 0) throw Error(Errc::invalid_argument, "gaussian denoise: radius >= 1, sigma > 0");
      cv::GaussianBlur(in, out, cv::Size(k, k), o.sigma, o.sigma, cv::BORDER_REFLECT);
      break;
    case DenoiseMethod::median:
      if (o.radius < 1 || o.radius > 2) throw Error(Errc::invalid_argument, "median denoise: radius 1 or 2");
      cv::medianBlur(in, out, k);
      break;
    case DenoiseMethod::bilateral:
      if (o.radius < 1 || o.sigma <= 0 || o.sigma_range <= 0) {
        throw Error(Errc::invalid_argument, "bilateral denoise: radius >= 1, sigmas > 0");
      }
      cv::bilateralFilter(in, out, k, o.sigma_range, o.sigma, cv::BORDER_REFLECT);
      break;
  }
  Image result = detail::to_image(out, image.info);
  static constexpr const char* names[] = {"gaussian", "median", "bilateral"};
  result.info.notes.push_back(fmt::format("denoised ({}, radius {})", names[static_cast<int>(o.method)], o.radius));
  return result;
}

Image sharpen(const Image& image, const SharpenOptions& o) {
  if (o.sigma <= 0) throw Error(Errc::invalid_argument, "sharpen: sigma > 0");
  const cv::Mat in = detail::view(image);
  double lo = 0, hi = 0;
  cv::minMaxLoc(in, &lo, &hi);
  cv::Mat blur, out;
  cv::GaussianBlur(in, blur, cv::Size(0, 0), o.sigma, o.sigma, cv::BORDER_REFLECT);
  cv::addWeighted(in, 1.0 + o.amount, blur, -o.amount, 0.0, out);
  out = cv::max(cv::min(out, hi), lo);
  Image result = detail::to_image(out, image.info);
  result.info.notes.push_back(fmt::format("sharpened (sigma {}, amount {})", o.sigma, o.amount));
  return result;
}

} // namespace osteon::imaging
