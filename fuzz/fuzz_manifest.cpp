// A model manifest (models/<name>/manifest.json): any text is a manifest or an Error naming it.
#include <cstdint>

#include "fuzz_support.hpp"
#include "osteon/core/error.hpp"
#include "osteon/inference/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto m = osteon::inference::parse_manifest(osteon::fuzz::text(data, size), "fuzz/manifest.json");
    (void)osteon::inference::to_json(m);
  } catch (const osteon::Error&) {
  }
  return 0;
}
