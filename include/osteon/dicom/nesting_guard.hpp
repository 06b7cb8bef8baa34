#pragma once
// DCMTK parses nested sequences recursively: a data set nested thousands of levels deep (a real
// attack file in the corpus) exhausts the stack and takes the whole process down. Before any
// DCMTK parse of received bytes, this scanner walks the encoded data set iteratively and
// measures the deepest sequence nesting.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace osteon::dicom {

/// What the scan found: the deepest nesting (scanning stops once `limit` is exceeded: limit + 1;
/// truncated input: the depth seen so far), and a structural problem DCMTK would not survive, or "".
struct StructureScan {
  int depth = 0;
  std::string problem;
};

/// Deepest sequence nesting in a DICOM file (Part 10 or a bare data set), scanning stops once
/// `limit` is exceeded and returns limit + 1. Truncated input returns the depth seen so far.
int sequence_depth(const std::filesystem::path& file, int limit);
/// The same on bytes in memory.
int sequence_depth_of_bytes(std::string_view bytes, int limit);
/// The whole scan on bytes in memory. A problem found: in a deflated data set (DCMTK cannot defer
/// reading a value there, so it allocates what an element declares), an element that declares
/// more bytes than the inflated data set holds (found by fuzz/fuzz_dataset: 19 KB asking for 3.5 GB).
StructureScan scan_structure(std::string_view bytes, int limit);

/// Deepest nesting a received data set may have (real objects, SR trees included, stay far below).
inline constexpr int max_sequence_depth = 128;

/// Throws Error(dicom_unparseable) when the file nests deeper than max_sequence_depth, or has a
/// structural problem (scan_structure).
void require_sane_nesting(const std::filesystem::path& file);

} // namespace osteon::dicom
