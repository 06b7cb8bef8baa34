// Patient attributes for the pipelines (see patient_info.hpp).
#include "osteon/dicom/patient_info.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "osteon/core/error.hpp"
#include "osteon/dicom/dcmtk_bridge.hpp"
#include "osteon/dicom/dicom_file.hpp"

namespace osteon::dicom {
namespace {

// The value trimmed of padding (spaces, NUL) and upper-cased; empty when absent.
std::string get(DcmDataset& ds, const DcmTagKey& tag) {
  std::string s = get_string(ds, tag);
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), [](unsigned char ch) { return !std::isspace(ch); }));
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
  return s;
}

// Days from civil (Howard Hinnant's algorithm).
long days_from_civil(long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long>(doe) - 719468;
}

PatientInfo patient_of(DcmDataset& ds) {
  PatientInfo p;
  p.sex = get(ds, DCM_PatientSex);
  p.birth_date = get(ds, DCM_PatientBirthDate);
  p.age = get(ds, DCM_PatientAge);
  p.study_date = get(ds, DCM_StudyDate);
  p.content_date = get(ds, DCM_ContentDate);
  return p;
}

} // namespace

PatientInfo read_patient_info(const std::filesystem::path& file) {
  return patient_of(*DicomFile::load_header(file).dcmtk().getDataset());
}

PatientInfo read_patient_info(const DicomFile& file) { return patient_of(*file.dcmtk().getDataset()); }

std::optional<long> parse_dicom_date(const std::string& date) {
  std::string d = date;
  d.erase(std::remove(d.begin(), d.end(), '.'), d.end());  // ACR-NEMA style YYYY.MM.DD
  if (d.size() != 8 || !std::all_of(d.begin(), d.end(), [](unsigned char ch) { return std::isdigit(ch); })) {
    return std::nullopt;
  }
  const long y = std::stol(d.substr(0, 4));
  const auto m = static_cast<unsigned>(std::stoul(d.substr(4, 2)));
  const auto day = static_cast<unsigned>(std::stoul(d.substr(6, 2)));
  if (y < 1800 || m < 1 || m > 12 || day < 1) return std::nullopt;
  static constexpr unsigned month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (day > month_days[m - 1] || (m == 2 && day == 29 && !leap)) return std::nullopt;
  return days_from_civil(y, m, day);
}

} // namespace osteon::dicom
