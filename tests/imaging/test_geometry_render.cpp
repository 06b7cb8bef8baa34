// Golden tests of the geometry and rendering operators and of the PNG writer.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <cmath>
#include <numbers>

#include "osteon/core/error.hpp"
#include "osteon/imaging/geometry.hpp"
#include "osteon/imaging/png.hpp"
#include "osteon/imaging/render.hpp"

using namespace osteon;
using namespace osteon::imaging;

namespace {

// Filled ellipse with semi-axes a (major) and b, major axis along (dx, dy) in image coordinates.
Mask ellipse(int size, double a, double b, double dx, double dy) {
  Mask m(size, size);
  const double c = (size - 1) / 2.0, n = std::hypot(dx, dy);
  for (int r = 0; r < size; ++r) {
    for (int col = 0; col < size; ++col) {
      const double x = col - c, y = r - c;
      const double u = (x * dx + y * dy) / n, v = (-x * dy + y * dx) / n;
      if ((u * u) / (a * a) + (v * v) / (b * b) <= 1.0) m.at(r, col) = 255;
    }
  }
  return m;
}

std::uint32_t be32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at] << 24 | b[at + 1] << 16 | b[at + 2] << 8 | b[at + 3]);
}

} // namespace

TEST_CASE("letterbox keeps the aspect ratio, centres the image and reports the mapping", "[operators]") {
  Image wide(20, 40, 1.0f);
  wide.info.pixel_spacing = PixelSpacing{0.1, 0.1, "PixelSpacing"};
  const Letterbox lb = letterbox(wide, 10, -1.0f);
  CHECK(lb.scale == Approx(0.25));
  CHECK(lb.offset_x == 0);
  CHECK(lb.offset_y == 2);
  REQUIRE(lb.image.rows() == 10);
  REQUIRE(lb.image.cols() == 10);
  for (int r = 0; r < 10; ++r)
    for (int c = 0; c < 10; ++c) CHECK(lb.image.at(r, c) == (r >= 2 && r < 7 ? 1.0f : -1.0f));
  CHECK(lb.image.info.pixel_spacing->row_mm == Approx(0.4));
  const Letterbox up = letterbox(Image(3, 2, 0.5f), 6);  // enlarging: 6 x 4, offset 1
  CHECK(up.offset_x == 1);
  CHECK(up.image.at(0, 0) == 0.0f);
  CHECK(up.image.at(0, 1) == 0.5f);
  CHECK(up.image.at(5, 4) == 0.5f);
  CHECK(up.image.at(5, 5) == 0.0f);
}

TEST_CASE("resizing by area averages blocks", "[operators]") {
  Image img(4, 4);
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) img.at(r, c) = static_cast<float>((r / 2) * 2 + c / 2);
  CHECK(resize(img, 2, 2).pixels() == std::vector<float>{0, 1, 2, 3});
}

TEST_CASE("bounding box, margin and crop", "[operators]") {
  Mask m(10, 12);
  for (int r = 2; r < 8; ++r)
    for (int c = 3; c < 6; ++c) m.at(r, c) = 255;
  const Box box = bounding_box(m);
  CHECK(box == Box{3, 2, 3, 6});
  CHECK(with_margin(box, 0.5, 10, 12) == Box{0, 0, 9, 10});  // 3 px margin, clamped
  CHECK(bounding_box(Mask(4, 4)).empty());
  Image img(10, 12);
  for (std::size_t i = 0; i < img.size(); ++i) img.pixels()[i] = static_cast<float>(i);
  const Image cut = crop(img, box);
  REQUIRE(cut.rows() == 6);
  REQUIRE(cut.cols() == 3);
  CHECK(cut.at(0, 0) == img.at(2, 3));
  CHECK(cut.at(5, 2) == img.at(7, 5));
  CHECK(crop(m, box).count() == 18);
  CHECK_THROWS_AS(crop(img, Box{20, 20, 5, 5}), Error);
}

TEST_CASE("the principal axis is measured from the vertical and rotation makes it vertical", "[operators]") {
  const double t = 30.0 * std::numbers::pi / 180.0;
  const Mask down_right = ellipse(101, 40, 12, std::sin(t), std::cos(t));  // 30 degrees counter-clockwise
  const Mask down_left = ellipse(101, 40, 12, -std::sin(t), std::cos(t));  // 30 degrees clockwise
  CHECK(principal_axis_angle(down_right) == Approx(-30.0).margin(0.5));
  CHECK(principal_axis_angle(down_left) == Approx(30.0).margin(0.5));
  CHECK(principal_axis_angle(ellipse(101, 40, 12, 0, 1)) == Approx(0.0).margin(0.5));
  CHECK(std::fabs(principal_axis_angle(ellipse(101, 40, 12, 1, 0))) == Approx(90.0).margin(0.5));
  for (const Mask* m : {&down_right, &down_left}) {
    Image img(101, 101);
    for (std::size_t i = 0; i < img.size(); ++i) img.pixels()[i] = m->data()[i] / 255.0f;
    const Aligned aligned = rotate_to_principal_axis(img, *m);
    CHECK(principal_axis_angle(aligned.mask) == Approx(0.0).margin(1.0));
    const Box b = bounding_box(aligned.mask);
    CHECK(b.height > 2 * b.width);
    CHECK(aligned.mask.count() == Approx(static_cast<double>(m->count())).epsilon(0.03));  // nothing cut off
  }
}

TEST_CASE("rotating by 90 degrees turns the canvas and moves the corners counter-clockwise", "[operators]") {
  Image img(2, 3);
  img.at(0, 2) = 1.0f;  // top right
  const Image r = rotate(img, 90.0);
  REQUIRE(r.rows() == 3);
  REQUIRE(r.cols() == 2);
  CHECK(r.at(0, 0) == Approx(1.0f).margin(1e-4));  // top right -> top left
  CHECK(r.at(2, 1) == Approx(0.0f).margin(1e-4));
}

TEST_CASE("display images, colour maps, heatmap overlay with legend, outlines and text", "[operators]") {
  Image grey(60, 80, 0.5f);
  const RgbImage plain = to_display(grey);
  CHECK(plain.pixel(10, 10)[0] == 128);
  CHECK(colormap_colour(Colormap::jet, 0.0)[2] > 100);  // blue end
  CHECK(colormap_colour(Colormap::jet, 1.0)[0] > 100);  // red end
  CHECK(colormap_colour(Colormap::jet, 1.0)[2] < 10);

  Image heat(6, 8, 0.0f);  // any size: resampled to the image
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) heat.at(r, c) = 1.0f;
  HeatmapOptions o;
  o.alpha = 0.5;
  o.threshold = 0.5;
  o.legend = false;
  const RgbImage overlay = overlay_heatmap(grey, heat, o);
  const auto red = colormap_colour(Colormap::jet, 1.0);
  for (int k = 0; k < 3; ++k) CHECK(overlay.pixel(5, 5)[k] == static_cast<int>(std::lround(0.5 * 128 + 0.5 * red[k])));
  CHECK(overlay.pixel(50, 70)[0] == 128);  // below the threshold: grey shows through
  CHECK(overlay.pixel(50, 70)[2] == 128);

  o.legend = true;
  o.legend_title = "p";
  const RgbImage legend = overlay_heatmap(grey, heat, o);
  int coloured = 0;
  for (int r = 0; r < 60; ++r) {
    const auto* p = legend.pixel(r, 72);
    if (p[0] != p[1] || p[1] != p[2]) ++coloured;
  }
  CHECK(coloured >= 16);  // the colour bar at the right edge

  RgbImage canvas = to_display(grey);
  Mask square(60, 80);
  for (int r = 20; r < 40; ++r)
    for (int c = 20; c < 40; ++c) square.at(r, c) = 255;
  draw_outline(canvas, square, {0, 255, 0}, 1);
  CHECK(canvas.pixel(20, 30)[1] == 255);
  CHECK(canvas.pixel(30, 30)[1] == 128);
  draw_text(canvas, "12.3 y", 2, 15, 12, {255, 255, 0});
  int changed = 0;
  for (int r = 0; r < 20; ++r)
    for (int c = 0; c < 60; ++c) changed += canvas.pixel(r, c)[2] != 128;
  CHECK(changed > 20);
}

TEST_CASE("the PNG writer produces a valid file whose pixels inflate back to the input", "[operators]") {
  Image grey(3, 5);
  for (std::size_t i = 0; i < grey.size(); ++i) grey.pixels()[i] = static_cast<float>(i) / 14.0f;
  const auto png = encode_png(grey);
  REQUIRE(png.size() > 8 + 25 + 12);
  CHECK(std::equal(png.begin(), png.begin() + 8, std::vector<std::uint8_t>{0x89, 'P', 'N', 'G', 13, 10, 26, 10}.begin()));
  CHECK(be32(png, 16) == 5);  // IHDR width
  CHECK(be32(png, 20) == 3);  // height
  CHECK(png[24] == 8);        // bit depth
  CHECK(png[25] == 0);        // greyscale
  const std::size_t idat = 8 + 25;
  const std::uint32_t length = be32(png, idat);
  REQUIRE(std::string(png.begin() + idat + 4, png.begin() + idat + 8) == "IDAT");
  CHECK(be32(png, idat + 8 + length) == crc32(0, png.data() + idat + 4, length + 4));
  std::vector<std::uint8_t> raw(3 * 6);
  uLongf size = static_cast<uLongf>(raw.size());
  REQUIRE(uncompress(raw.data(), &size, png.data() + idat + 8, length) == Z_OK);
  for (int r = 0; r < 3; ++r) {
    CHECK(raw[static_cast<std::size_t>(r) * 6] == 1);  // Sub filter
    std::uint8_t left = 0;
    for (int c = 0; c < 5; ++c) {
      left = static_cast<std::uint8_t>(left + raw[static_cast<std::size_t>(r) * 6 + 1 + static_cast<std::size_t>(c)]);
      CHECK(left == std::lround(grey.at(r, c) * 255.0f));
    }
  }
  CHECK(encode_png(RgbImage(2, 2))[25] == 2);  // truecolour
}
