// Internal: turns a scene's attenuation layers into detector values the way a processed DX
// image looks: log response with a soft shoulder, brightness/contrast/gamma, heel effect,
// quantum noise, collimation with penumbra and a burned-in lead side marker.
#pragma once

#include "scene.hpp"

#include "osteon/synth/dx_writer.hpp"

namespace osteon::phantom {

struct Rendered {
  synth::PixelImage image;
  double window_center = 0.0, window_width = 0.0;
  nlohmann::json acquisition = nlohmann::json::object();
};

Rendered render_radiograph(Scene& scene, unsigned bits, Rng& rng);

}  // namespace osteon::phantom
