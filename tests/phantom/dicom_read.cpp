#include "dicom_read.hpp"

#include "osteon/synth/dx_writer.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/oflog/oflog.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

namespace osteon::phantom::testing {
namespace {

// DCMTK's codecs log at INFO level by default; keep test output readable.
const bool quiet_dcmtk = (OFLog::configure(OFLogger::WARN_LOG_LEVEL), true);

std::string get(DcmItem& item, const DcmTagKey& key) {
  OFString value;
  if (item.findAndGetOFStringArray(key, value).bad()) return {};
  return value.c_str();
}

unsigned get_u16(DcmItem& item, const DcmTagKey& key) {
  Uint16 value = 0;
  (void)item.findAndGetUint16(key, value);
  return value;
}

}  // namespace

DecodedDx read_dx(const std::filesystem::path& file) {
  synth::register_codecs();
  DcmFileFormat format;
  OFCondition cond = format.loadFile(OFFilename(file.c_str()));
  if (cond.bad()) throw std::runtime_error("cannot read " + file.string() + ": " + cond.text());
  DecodedDx out;
  out.transfer_syntax = get(*format.getMetaInfo(), DCM_TransferSyntaxUID);
  DcmDataset& ds = *format.getDataset();
  out.sop_class_uid = get(ds, DCM_SOPClassUID);
  out.sop_uid = get(ds, DCM_SOPInstanceUID);
  out.study_uid = get(ds, DCM_StudyInstanceUID);
  out.series_uid = get(ds, DCM_SeriesInstanceUID);
  out.photometric = get(ds, DCM_PhotometricInterpretation);
  out.body_part = get(ds, DCM_BodyPartExamined);
  out.view_position = get(ds, DCM_ViewPosition);
  out.laterality = get(ds, DCM_ImageLaterality);
  out.patient_sex = get(ds, DCM_PatientSex);
  out.patient_age = get(ds, DCM_PatientAge);
  out.patient_birth_date = get(ds, DCM_PatientBirthDate);
  out.study_date = get(ds, DCM_StudyDate);
  out.pixel_spacing = get(ds, DCM_PixelSpacing);
  out.rows = get_u16(ds, DCM_Rows);
  out.cols = get_u16(ds, DCM_Columns);
  out.bits_allocated = get_u16(ds, DCM_BitsAllocated);
  out.bits_stored = get_u16(ds, DCM_BitsStored);
  cond = ds.chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
  if (cond.bad()) throw std::runtime_error("cannot decode " + file.string() + ": " + cond.text());
  const Uint16* words = nullptr;
  unsigned long count = 0;
  cond = ds.findAndGetUint16Array(DCM_PixelData, words, &count);
  if (cond.bad() || words == nullptr)
    throw std::runtime_error("no 16-bit pixel data in " + file.string());
  out.pixels.assign(words, words + count);
  return out;
}

std::vector<char> file_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// dicom3tools cannot inflate Deflated Explicit VR Little Endian: validate a copy that DCMTK
// re-encodes as Explicit VR Little Endian (same dataset, only the transfer syntax differs).
std::filesystem::path readable_by_dciodvfy(const std::filesystem::path& file) {
  DcmFileFormat format;
  if (format.loadFile(OFFilename(file.c_str())).bad()) return file;
  if (format.getDataset()->getOriginalXfer() != EXS_DeflatedLittleEndianExplicit) return file;
  auto copy = file;
  copy += ".inflated";
  if (format.saveFile(OFFilename(copy.c_str()), EXS_LittleEndianExplicit).bad()) return file;
  return copy;
}

std::optional<std::string> run_dciodvfy(const std::filesystem::path& file) {
  if (std::system("command -v dciodvfy >/dev/null 2>&1") != 0) return std::nullopt;
  const std::string command = "dciodvfy '" + readable_by_dciodvfy(file).string() + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string output;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  pclose(pipe);
  return output;
}

std::vector<std::string> error_lines(const std::string& output) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Error", 0) == 0) lines.push_back(line);
  }
  return lines;
}

namespace {
// Removes every directory made by fresh_dir when the test program ends.
class TempDirs {
 public:
  TempDirs() = default;
  TempDirs(const TempDirs&) = delete;
  TempDirs& operator=(const TempDirs&) = delete;
  ~TempDirs() {
    std::error_code ec;
    for (const auto& dir : dirs_) std::filesystem::remove_all(dir, ec);
  }
  void add(const std::filesystem::path& dir) { dirs_.push_back(dir); }

 private:
  std::vector<std::filesystem::path> dirs_;
};
}  // namespace

std::filesystem::path fresh_dir(const std::string& name) {
  static TempDirs dirs;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("osteon-phantom-tests-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  dirs.add(dir);
  return dir;
}

}  // namespace osteon::phantom::testing
