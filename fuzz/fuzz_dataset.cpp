// The data set read path as ingest runs it on a received file: the nesting guard, then the
// attribute reader on DCMTK's parse of the header (DicomFile::load_header), then the whole file as
// a job loads it, its patient module and the nesting guard on the raw bytes.
#include <cstdint>
#include <string_view>

#include "fuzz_support.hpp"
#include "osteon/core/error.hpp"
#include "osteon/dicom/attributes_reader.hpp"
#include "osteon/dicom/dicom_file.hpp"
#include "osteon/dicom/nesting_guard.hpp"
#include "osteon/dicom/patient_info.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace osteon;
  (void)dicom::sequence_depth_of_bytes(std::string_view(reinterpret_cast<const char*>(data), size), 64);
  const auto file = fuzz::input_file(data, size);
  try {
    (void)dicom::read_attributes(file);
    const auto loaded = dicom::DicomFile::load(file);
    (void)dicom::read_attributes(loaded);
    (void)dicom::read_patient_info(loaded);
  } catch (const Error&) {
    // refused with a reason: what the node answers the peer
  }
  return 0;
}
