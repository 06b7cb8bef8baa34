// Golden tests of the intensity, enhancement and segmentation operators on small synthetic inputs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "osteon/core/error.hpp"
#include "osteon/imaging/enhance.hpp"
#include "osteon/imaging/intensity.hpp"
#include "osteon/imaging/segmentation.hpp"

using namespace osteon;
using namespace osteon::imaging;

namespace {

Image ramp(int rows, int cols, float from, float step) {
  Image img(rows, cols);
  for (std::size_t i = 0; i < img.size(); ++i) img.pixels()[i] = from + step * static_cast<float>(i);
  return img;
}

double stddev(const Image& img) {
  const double mean = std::accumulate(img.pixels().begin(), img.pixels().end(), 0.0) / static_cast<double>(img.size());
  double s = 0;
  for (const float v : img.pixels()) s += (v - mean) * (v - mean);
  return std::sqrt(s / static_cast<double>(img.size()));
}

Mask mask_from(int rows, int cols, std::initializer_list<std::pair<int, int>> inside) {
  Mask m(rows, cols);
  for (const auto& [r, c] : inside) m.at(r, c) = 255;
  return m;
}

struct FixedEstimator final : ContrastEstimator {  // what a learned estimator will look like
  ContrastParams estimate(const Image&) const override { return {2.0, -0.5}; }
  std::string name() const override { return "fixed"; }
};

} // namespace

TEST_CASE("percentiles use the nearest rank, inside the mask when one is given", "[operators]") {
  const Image img = ramp(10, 10, 0.0f, 1.0f);  // 0 .. 99
  CHECK(percentile(img, 0) == 0);
  CHECK(percentile(img, 50) == 50);
  CHECK(percentile(img, 100) == 99);
  Mask m(10, 10);
  for (int c = 0; c < 10; ++c) m.at(9, c) = 255;  // 90 .. 99
  CHECK(percentile(img, 0, &m) == 90);
  CHECK_THROWS_AS(percentile(img, 50, &(m = Mask(10, 10))), Error);
}

TEST_CASE("percentile normalisation maps the low and high percentiles to 0 and 1 and clips", "[operators]") {
  const Image img = ramp(10, 10, 0.0f, 1.0f);
  const Image n = normalize_percentiles(img, 1.0, 99.0);  // 1 -> 0, 98 -> 1
  CHECK(n.pixels()[0] == 0.0f);
  CHECK(n.pixels()[1] == 0.0f);
  CHECK(n.pixels()[50] == Approx(49.0 / 97.0));
  CHECK(n.pixels()[98] == 1.0f);
  CHECK(n.pixels()[99] == 1.0f);
  CHECK(normalize_percentiles(Image(4, 4, 7.0f)).pixels() == std::vector<float>(16, 0.0f));  // flat
}

TEST_CASE("brightness and contrast: alpha and beta estimated per image, any estimator plugs in", "[operators]") {
  const Image img = ramp(1, 101, 0.2f, 0.004f);  // 0.2 .. 0.6
  const HistogramContrastEstimator estimator(0.0, 0.0, 1.0);
  const ContrastParams p = estimator.estimate(img);
  CHECK(p.alpha == Approx(2.5));
  CHECK(p.beta == Approx(-0.5));
  const Image out = auto_contrast(img, estimator);
  CHECK(out.pixels().front() == Approx(0.0).margin(1e-6));
  CHECK(out.pixels()[50] == Approx(0.5).margin(1e-6));
  CHECK(out.pixels().back() == Approx(1.0).margin(1e-6));
  CHECK(out.info.has_note("contrast (histogram-clip): alpha 2.5 beta -0.5"));
  // Clipping 10 % at each end saturates them.
  const Image clipped = auto_contrast(img, HistogramContrastEstimator(10.0));
  CHECK(clipped.pixels()[5] == 0.0f);
  CHECK(clipped.pixels()[95] == 1.0f);
  const Image fixed = auto_contrast(img, FixedEstimator{});
  CHECK(fixed.pixels()[50] == Approx(2.0 * 0.4 - 0.5));
  CHECK(apply_contrast(img, {10.0, 0.0}).pixels().back() == 1.0f);  // clamped
}

TEST_CASE("CLAHE stretches a low-contrast image within [0, 1] and keeps a gradient rising", "[operators]") {
  Image img(128, 128);  // 0.45 .. 0.55: a gradient with texture
  for (int r = 0; r < 128; ++r) {
    for (int c = 0; c < 128; ++c) {
      img.at(r, c) = 0.45f + 0.06f * static_cast<float>(c) / 127.0f +
                     0.02f * static_cast<float>(std::sin(r * 0.3) + std::cos(c * 0.23));
    }
  }
  const Image out = clahe(img, {2.0, 4});
  INFO("standard deviation " << stddev(img) << " -> " << stddev(out));
  CHECK(stddev(out) > 2.0 * stddev(img));
  for (const float v : out.pixels()) CHECK((v >= 0.0f && v <= 1.0f));
  // Local: the slow gradient is flattened, the texture kept in order.
  double mean = 0;
  for (const float v : img.pixels()) mean += v;
  mean /= static_cast<double>(img.size());
  double cov = 0, va = 0, vb = 0, mo = 0;
  for (const float v : out.pixels()) mo += v;
  mo /= static_cast<double>(out.size());
  for (std::size_t i = 0; i < img.size(); ++i) {
    cov += (img.pixels()[i] - mean) * (out.pixels()[i] - mo);
    va += (img.pixels()[i] - mean) * (img.pixels()[i] - mean);
    vb += (out.pixels()[i] - mo) * (out.pixels()[i] - mo);
  }
  CHECK(cov / std::sqrt(va * vb) > 0.5);
  const Image flat = clahe(Image(32, 32, 0.5f), {2.0, 4});
  CHECK(std::all_of(flat.pixels().begin(), flat.pixels().end(), [&](float v) { return v == flat.pixels()[0]; }));
  CHECK_THROWS_AS(clahe(img, {0.0, 4}), Error);
}

TEST_CASE("denoising: the median removes an impulse, Gaussian keeps the mean, bilateral keeps an edge", "[operators]") {
  Image impulse(7, 7);
  impulse.at(3, 3) = 1.0f;
  CHECK(denoise(impulse, {DenoiseMethod::median, 1}).pixels() == std::vector<float>(49, 0.0f));
  const Image blurred = denoise(impulse, {DenoiseMethod::gaussian, 2, 1.0});
  CHECK(std::accumulate(blurred.pixels().begin(), blurred.pixels().end(), 0.0) == Approx(1.0).epsilon(0.01));
  CHECK(blurred.at(3, 3) < 0.5f);
  Image step(8, 16);
  for (int r = 0; r < 8; ++r)
    for (int c = 8; c < 16; ++c) step.at(r, c) = 1.0f;
  const Image kept = denoise(step, {DenoiseMethod::bilateral, 2, 2.0, 0.1});
  CHECK(kept.at(4, 7) == Approx(0.0).margin(0.01));
  CHECK(kept.at(4, 8) == Approx(1.0).margin(0.01));
  CHECK_THROWS_AS(denoise(step, {DenoiseMethod::median, 3}), Error);
}

TEST_CASE("sharpening steepens a soft edge, leaves flat areas alone and stays in range", "[operators]") {
  Image edge(4, 20);
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 20; ++c) edge.at(r, c) = std::clamp((static_cast<float>(c) - 7.0f) / 6.0f, 0.0f, 1.0f);
  const Image out = sharpen(edge, {1.5, 1.0});
  const auto slope = [](const Image& i) { return i.at(2, 11) - i.at(2, 9); };
  CHECK(slope(out) > slope(edge));
  CHECK(out.at(2, 0) == Approx(0.0f).margin(1e-6));
  CHECK(out.at(2, 19) == Approx(1.0f).margin(1e-6));
  for (const float v : out.pixels()) CHECK((v >= 0.0f && v <= 1.0f));
}

TEST_CASE("Otsu's threshold separates a bimodal image; the adaptive threshold finds spots on a slope", "[operators]") {
  Image img(10, 20);
  for (int r = 0; r < 10; ++r)
    for (int c = 0; c < 20; ++c) img.at(r, c) = (c < 12 ? 0.2f : 0.8f) + 0.01f * static_cast<float>((r * 7 + c * 3) % 5);
  const double t = otsu_threshold(img);
  CHECK(t >= 0.24);  // above every dark value (0.20 .. 0.24)
  CHECK(t < 0.8);
  const Mask m = binarize_otsu(img);
  for (int r = 0; r < 10; ++r)
    for (int c = 0; c < 20; ++c) CHECK(m.at(r, c) == (c < 12 ? 0 : 255));
  CHECK(otsu_threshold(Image(3, 3, 0.4f)) == Approx(0.4));

  Image slope(40, 40);  // background rising left to right, two bright 3x3 spots
  for (int r = 0; r < 40; ++r)
    for (int c = 0; c < 40; ++c) slope.at(r, c) = 0.02f * static_cast<float>(c);
  for (int r = 10; r < 13; ++r)
    for (int c = 5; c < 8; ++c) slope.at(r, c) += 0.3f;
  for (int r = 25; r < 28; ++r)
    for (int c = 30; c < 33; ++c) slope.at(r, c) += 0.3f;
  const Mask spots = binarize_adaptive(slope, {15, -0.1, true});
  CHECK(spots.count() == 18);
  CHECK(spots.at(11, 6) == 255);
  CHECK(spots.at(26, 31) == 255);
  CHECK(spots.at(26, 20) == 0);
}

TEST_CASE("morphology with an elliptical element, largest component and hole filling", "[operators]") {
  const Mask dot = mask_from(5, 5, {{2, 2}});
  const Mask grown = morphology(dot, Morphology::dilate, 1);
  CHECK(grown.count() == 5);  // the 3x3 ellipse is a cross
  CHECK(grown.at(1, 2) == 255);
  CHECK(grown.at(1, 1) == 0);
  CHECK(morphology(grown, Morphology::erode, 1).count() == 1);

  Mask square(9, 9);
  for (int r = 2; r < 7; ++r)
    for (int c = 2; c < 7; ++c) square.at(r, c) = 255;
  square.at(0, 8) = 255;  // speck
  const Mask opened = morphology(square, Morphology::open, 1);
  CHECK(opened.at(0, 8) == 0);
  CHECK(opened.at(4, 4) == 255);
  Mask gap = square;
  gap.at(4, 4) = 0;
  CHECK(morphology(gap, Morphology::close, 1).at(4, 4) == 255);

  Mask two(6, 10);
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c) two.at(r, c) = 255;  // area 4
  for (int r = 3; r < 6; ++r)
    for (int c = 5; c < 8; ++c) two.at(r, c) = 255;  // area 9
  const Mask largest = largest_component(two);
  CHECK(largest.count() == 9);
  CHECK(largest.at(4, 6) == 255);
  CHECK(largest_component(Mask(3, 3)).count() == 0);
  const Mask diagonal = mask_from(3, 3, {{0, 0}, {1, 1}, {2, 2}});
  CHECK(largest_component(diagonal, 8).count() == 3);
  CHECK(largest_component(diagonal, 4).count() == 1);

  Mask ring(7, 7);
  for (int r = 1; r < 6; ++r)
    for (int c = 1; c < 6; ++c) ring.at(r, c) = (r == 1 || r == 5 || c == 1 || c == 5) ? 255 : 0;
  CHECK(fill_holes(ring).count() == 25);
  CHECK(fill_holes(ring).at(0, 0) == 0);
}
