// A routing profile (dicom_profiles/*.toml): parsed, then used to route (its patterns compiled
// and matched against a typical hand radiograph's attributes).
#include <cstdint>

#include "fuzz_support.hpp"
#include "osteon/core/error.hpp"
#include "osteon/routing/router.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace osteon;
  try {
    const routing::Router router({routing::parse_profile(fuzz::text(data, size), "fuzz.toml")});
    routing::RoutingInput in;
    in.attributes.modality = "DX";
    in.attributes.sop_class_uid = "1.2.840.10008.5.1.4.1.1.1.1";
    in.attributes.body_part = "HAND";
    in.attributes.view_position = "PA";
    in.attributes.study_description = "XR HAND LEFT 1 VIEW";
    in.calling_ae = "CR_ROOM1";
    in.called_ae = "OSTEON";
    (void)router.route(in).summary();
  } catch (const Error&) {
  }
  return 0;
}
