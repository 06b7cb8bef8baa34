#include "osteon/core/config_fail.hpp"

#include <fmt/format.h>

#include "osteon/core/error.hpp"

namespace osteon {

void ConfigFail::operator()(const std::string& what) const {
  throw Error(Errc::config_invalid, fmt::format("{}: {}", source_, what));
}

} // namespace osteon
