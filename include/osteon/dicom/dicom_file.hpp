#pragma once
// The DICOM seam: one loaded Part 10 file (or bare data set), shared by everything a job does
// with its source: the indexed attributes, the patient module, the pixel decode (twice: for the
// models and for the display), the result writers. A job parses its source once.
// DCMTK-free on purpose; layers built on DCMTK reach the loaded file through dcmtk().
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

class DcmFileFormat;

namespace osteon::dicom {

class DicomFile {
 public:
  /// Loads `file`, pixel data included: the nesting guard first (a data set nested too deeply
  /// would crash DCMTK's recursive parser), then DCMTK. Throws osteon::Error: not_found,
  /// dicom_unparseable.
  static DicomFile load(const std::filesystem::path& file);
  /// The same without values longer than 4 KiB (pixel data, large LUTs): for the attributes
  /// only. Throws osteon::Error: not_found, dicom_unparseable.
  static DicomFile load_header(const std::filesystem::path& file);

  DicomFile(DicomFile&&) noexcept;
  DicomFile& operator=(DicomFile&&) noexcept;
  ~DicomFile();

  const std::filesystem::path& path() const;
  /// A string attribute of the data set (all values, backslash separated), trailing padding
  /// (spaces, NUL) removed; empty when absent.
  std::string string(std::uint16_t group, std::uint16_t element) const;
  /// The transfer syntax UID the file was stored with.
  std::string transfer_syntax() const;
  /// The loaded file, for the layers that work with DCMTK (imaging, results, this layer). Not
  /// const: decoding may add a decompressed representation of the pixel data.
  DcmFileFormat& dcmtk() const;

  /// How many files were loaded by this process (tests count the parses of a job).
  static std::uint64_t loads();

 private:
  struct Impl;
  explicit DicomFile(std::unique_ptr<Impl> impl);
  static DicomFile open(const std::filesystem::path& file, std::uint32_t max_read_length);
  std::unique_ptr<Impl> impl_;
};

} // namespace osteon::dicom
