// The node configuration (osteon.toml) through the one TOML reader and every layer's section
// reader and validator: any text is a configuration or an Error naming the file and line.
#include <cstdint>

#include "fuzz_support.hpp"
#include "osteon/app/config.hpp"
#include "osteon/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)osteon::app::parse_config(osteon::fuzz::text(data, size), "fuzz.toml", "/nonexistent");
  } catch (const osteon::Error&) {
  }
  return 0;
}
