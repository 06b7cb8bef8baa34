#include "osteon/inference/settings.hpp"

#include <algorithm>

#include "osteon/core/error.hpp"

namespace osteon::inference {

DeviceChoice parse_device_choice(std::string_view text) {
  if (text == "auto") return DeviceChoice::automatic;
  if (text == "cpu") return DeviceChoice::cpu;
  if (text == "cuda") return DeviceChoice::cuda;
  throw Error(Errc::config_invalid, "inference device must be auto, cpu or cuda, not '" + std::string(text) + "'");
}

std::string to_string(DeviceChoice choice) {
  switch (choice) {
    case DeviceChoice::automatic: return "auto";
    case DeviceChoice::cpu: return "cpu";
    case DeviceChoice::cuda: return "cuda";
  }
  return "?";
}

BatchPolicy InferenceSettings::batching_for(std::string_view model) const {
  const auto it = batching.find(model);
  return it == batching.end() ? default_batching : it->second;
}

bool InferenceSettings::may_be_missing(std::string_view model) const {
  return std::find(allow_missing.begin(), allow_missing.end(), model) != allow_missing.end();
}

} // namespace osteon::inference
