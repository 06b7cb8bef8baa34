#pragma once

namespace osteon::imaging::detail {

/// Registers DCMTK's JPEG, JPEG-LS and RLE decoders once per process (thread-safe); they are
/// deregistered at exit.
void register_dcmtk_decoders();

} // namespace osteon::imaging::detail
