#pragma once
// How each layer owns its part of the node configuration (osteon.toml). A layer's settings
// header (dimse/config.hpp, delivery/config.hpp, jobs/config.hpp, ...) holds, free of toml11 and
// DCMTK:
//   struct XConfig { ... };                                      // the [section]'s keys, with their defaults
//   void read_config(const TomlValue& section, XConfig& into);   // the keys present; unknown keys fail
//   void validate(const XConfig& config, const ConfigFail& bad); // ranges and consistency
// The app layer (app/config.hpp) hands each [section] table to its layer's reader and calls each
// layer's validator. Reading errors name the file and line (TomlValue::fail); a validator names the
// configuration's source through ConfigFail.
#include <string>
#include <utility>

namespace osteon {

class TomlValue;  // core/toml_reader.hpp: the one TOML reader

class ConfigFail {
 public:
  explicit ConfigFail(std::string source) : source_(std::move(source)) {}
  /// Throws Error(config_invalid) "<source>: <what>".
  [[noreturn]] void operator()(const std::string& what) const;

 private:
  std::string source_;
};

} // namespace osteon
