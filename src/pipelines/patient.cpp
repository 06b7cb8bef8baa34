// Patient attributes for the pipelines (see patient.hpp). DCMTK is used here only to read four
// attributes of the header; TODO(dicom layer): move into osteon_dicom as a reader of its own.
#include "osteon/pipelines/patient.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <fmt/format.h>

#include "osteon/core/error.hpp"

namespace osteon::pipelines {
namespace {

std::string get(DcmDataset& ds, const DcmTagKey& tag) {
  OFString value;
  if (ds.findAndGetOFString(tag, value).bad()) return {};
  std::string s(value.c_str());
  const auto not_space = [](unsigned char ch) { return !std::isspace(ch) && ch != '\0'; };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
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

constexpr double days_per_month = 365.2425 / 12.0;

} // namespace

PatientInfo read_patient_info(const std::filesystem::path& file) {
  DcmFileFormat format;
  const OFCondition status = format.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, 4096);
  if (status.bad()) {
    throw Error(Errc::dicom_unparseable, fmt::format("{}: {}", file.string(), status.text()));
  }
  DcmDataset& ds = *format.getDataset();
  PatientInfo p;
  p.sex = get(ds, DCM_PatientSex);
  p.birth_date = get(ds, DCM_PatientBirthDate);
  p.age = get(ds, DCM_PatientAge);
  p.study_date = get(ds, DCM_StudyDate);
  p.content_date = get(ds, DCM_ContentDate);
  return p;
}

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

std::optional<ChronologicalAge> chronological_age(const PatientInfo& patient) {
  const auto birth = parse_dicom_date(patient.birth_date);
  auto study = parse_dicom_date(patient.study_date);
  std::string study_name = "Study Date";
  if (!study) {
    study = parse_dicom_date(patient.content_date);
    study_name = "Content Date";
  }
  if (birth && study) {
    const double months = static_cast<double>(*study - *birth) / days_per_month;
    if (months >= 0 && months <= 150 * 12) return ChronologicalAge{months, "Patient's Birth Date and " + study_name};
  }
  const std::string& a = patient.age;
  if (a.size() == 4 && std::all_of(a.begin(), a.begin() + 3, [](unsigned char ch) { return std::isdigit(ch); })) {
    const double n = std::stod(a.substr(0, 3));
    double months = -1;
    switch (a[3]) {
      case 'D': months = n / days_per_month; break;
      case 'W': months = n * 7.0 / days_per_month; break;
      case 'M': months = n; break;
      case 'Y': months = n * 12.0; break;
      default: break;
    }
    if (months >= 0 && months <= 150 * 12) return ChronologicalAge{months, "Patient's Age " + a};
  }
  return std::nullopt;
}

} // namespace osteon::pipelines
