// DCMTK's decoders (JPEG baseline/extended/lossless, JPEG-LS, RLE), registered once.
#include "dcmtk_codecs.hpp"

#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>

#include <mutex>

namespace osteon::imaging::detail {
namespace {

struct DecoderRegistration {
  DecoderRegistration() {
    // Registering twice (another layer may have done it) is a no-op inside DCMTK.
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
    DcmRLEDecoderRegistration::registerCodecs();
  }
  ~DecoderRegistration() {
    DcmRLEDecoderRegistration::cleanup();
    DJLSDecoderRegistration::cleanup();
    DJDecoderRegistration::cleanup();
  }
  DecoderRegistration(const DecoderRegistration&) = delete;
  DecoderRegistration& operator=(const DecoderRegistration&) = delete;
};

} // namespace

void register_dcmtk_decoders() {
  static DecoderRegistration registration;  // C++11 guarantees a thread-safe, once-only init
}

} // namespace osteon::imaging::detail
