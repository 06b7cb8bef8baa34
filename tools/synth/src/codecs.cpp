// Codec registration and encoding names for the synthetic DX writer.
#include "osteon/synth/dx_writer.hpp"

#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpeg/djencode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/dcmjpls/djencode.h>

#include <array>
#include <mutex>
#include <stdexcept>
#include <string>

namespace osteon::synth {
namespace {

struct EncodingInfo {
  Encoding encoding;
  std::string_view name;
  std::string_view uid;
};

constexpr std::array<EncodingInfo, 7> encodings{{
    {Encoding::explicit_le, "explicit-le", "1.2.840.10008.1.2.1"},
    {Encoding::implicit_le, "implicit-le", "1.2.840.10008.1.2"},
    {Encoding::big_endian, "big-endian", "1.2.840.10008.1.2.2"},
    {Encoding::deflate, "deflate", "1.2.840.10008.1.2.1.99"},
    {Encoding::jpeg_lossless, "jpeg-lossless", "1.2.840.10008.1.2.4.70"},
    {Encoding::jpeg_ls_lossless, "jpeg-ls", "1.2.840.10008.1.2.4.80"},
    {Encoding::rle, "rle", "1.2.840.10008.1.2.5"},
}};

const EncodingInfo& info(Encoding encoding) {
  for (const auto& entry : encodings) {
    if (entry.encoding == encoding) return entry;
  }
  throw std::invalid_argument("unknown synth::Encoding value");
}

// Deregisters at static destruction, after every user of the codecs in this process is done.
struct CodecGuard {
  CodecGuard() {
    // Never create new SOP Instance UIDs: the encodings used here are all lossless.
    DJEncoderRegistration::registerCodecs(ECC_lossyYCbCr, EUC_never);
    DJDecoderRegistration::registerCodecs();
    DJLSEncoderRegistration::registerCodecs(0, 0, 0, 0, OFTrue, 0, OFTrue, EJLSUC_never);
    DJLSDecoderRegistration::registerCodecs();
    DcmRLEEncoderRegistration::registerCodecs(OFFalse);
    DcmRLEDecoderRegistration::registerCodecs();
  }
  ~CodecGuard() {
    DcmRLEDecoderRegistration::cleanup();
    DcmRLEEncoderRegistration::cleanup();
    DJLSDecoderRegistration::cleanup();
    DJLSEncoderRegistration::cleanup();
    DJDecoderRegistration::cleanup();
    DJEncoderRegistration::cleanup();
  }
  CodecGuard(const CodecGuard&) = delete;
  CodecGuard& operator=(const CodecGuard&) = delete;
};

}  // namespace

std::string_view encoding_name(Encoding encoding) { return info(encoding).name; }

std::string_view transfer_syntax_uid(Encoding encoding) { return info(encoding).uid; }

Encoding parse_encoding(std::string_view name) {
  for (const auto& entry : encodings) {
    if (entry.name == name) return entry.encoding;
  }
  std::string known;
  for (const auto& entry : encodings) {
    if (!known.empty()) known += ", ";
    known += entry.name;
  }
  throw std::invalid_argument("unknown encoding '" + std::string(name) + "' (known: " + known +
                              ")");
}

void register_codecs() {
  // A function-local static is initialised exactly once, thread-safely, and destroyed at exit.
  static const CodecGuard guard;
  (void)guard;
}

}  // namespace osteon::synth
