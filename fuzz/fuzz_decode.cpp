// Pixel decoding of whatever a peer sends: every transfer syntax the node decodes (native,
// encapsulated fragments, RLE, JPEG baseline/lossless/LS through DCMTK, JPEG 2000 through
// OpenJPEG), with the node's pixel limit lowered so that a large declared size is refused, not
// allocated. The display path (colour, for the console) too.
#include <cstdint>

#include "fuzz_support.hpp"
#include "osteon/core/error.hpp"
#include "osteon/dicom/dicom_file.hpp"
#include "osteon/imaging/decoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace osteon;
  const auto file = fuzz::input_file(data, size);
  try {
    const auto loaded = dicom::DicomFile::load(file);
    imaging::DecodeOptions options;
    options.max_pixels = std::uint64_t{16} << 20;
    (void)imaging::decode(loaded, options);
  } catch (const Error&) {
  }
  try {
    (void)imaging::decode_display(file);
  } catch (const Error&) {
  }
  return 0;
}
