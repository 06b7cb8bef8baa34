#pragma once
// Shared by the two LibTorch files; torch-free itself.
#include <exception>
#include <string>

#include "osteon/core/error.hpp"

namespace osteon::inference {

/// The one translation of a LibTorch exception (c10::Error, the TorchScript interpreter's
/// std::runtime_error) into osteon::Error: device out of memory -> out_of_resources, anything
/// else -> internal. The message is `context: <torch message without the C++ backtrace>`.
Error torch_error(const std::exception& e, const std::string& context);

} // namespace osteon::inference
