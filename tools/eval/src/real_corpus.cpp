// Real radiographs of the shared corpus (see real_corpus.hpp).
#include "osteon/eval/real_corpus.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>

#include "osteon/common/process.hpp"
#include "osteon/core/error.hpp"
#include "osteon/synth/dx_writer.hpp"

namespace fs = std::filesystem;

namespace osteon::eval {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string dicom_string(DcmDataset& ds, const DcmTagKey& tag) {
  OFString v;
  return ds.findAndGetOFString(tag, v).good() ? std::string(v.c_str()) : std::string();
}

bool projection_radiograph(const fs::path& file) {
  DcmFileFormat ff;
  if (ff.loadFile(file.string().c_str(), EXS_Unknown, EGL_noChange, 4096).bad()) return false;
  DcmDataset& ds = *ff.getDataset();
  static const std::set<std::string> modalities{"CR", "DX", "DR", "RG", "RF", "MG", "IO", "PX", "XA"};
  if (!modalities.contains(dicom_string(ds, DCM_Modality))) return false;
  if (dicom_string(ds, DCM_PhotometricInterpretation).rfind("MONOCHROME", 0) != 0) return false;
  const std::string frames = dicom_string(ds, DCM_NumberOfFrames);
  return frames.empty() || frames == "1";
}

struct Region {
  std::string anatomic, view, laterality;
};

Region region_of(const std::string& body_part) {
  const std::string b = lower(body_part);
  if (b.find("hand") != std::string::npos) return {"HAND", "PA", "L"};
  if (b.find("skull") != std::string::npos || b.find("nasal") != std::string::npos) return {"SKULL", "LL", "U"};
  return {"PELVIS", "AP", "B"};
}

} // namespace

std::optional<double> RealImage::bone_age_months() const {
  const auto it = label.find("bone_age_months");
  if (it == label.end() || it->second.empty()) return std::nullopt;
  try {
    return std::stod(it->second);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool RealImage::has_implant() const {
  if (const auto it = label.find("implant"); it != label.end()) return !it->second.empty() && lower(it->second) != "none";
  if (const auto it = label.find("label"); it != label.end()) return lower(it->second).find("arthroplasty") != std::string::npos;
  return false;
}

std::string RealImage::sex() const {
  const auto it = label.find("sex");
  return it != label.end() && (it->second == "M" || it->second == "F") ? it->second : std::string();
}

std::vector<std::map<std::string, std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
      }
      row.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  std::vector<std::map<std::string, std::string>> out;
  if (rows.empty()) return out;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    std::map<std::string, std::string> m;
    for (std::size_t c = 0; c < rows[0].size() && c < rows[r].size(); ++c) m[rows[0][c]] = rows[r][c];
    out.push_back(std::move(m));
  }
  return out;
}

std::optional<fs::path> shared_corpus() {
  fs::path dir;
  if (const char* env = std::getenv("OSTEON_SHARED_CORPUS"); env && *env) {
    dir = env;
  } else {
    dir = fs::path(OSTEON_SOURCE_DIR) / ".." / "shared" / "corpus";
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return std::nullopt;
  return fs::weakly_canonical(dir, ec);
}

std::vector<RealImage> real_corpus(const fs::path& corpus) {
  std::vector<RealImage> out;
  const fs::path real = corpus / "xray-real";
  for (const char* group : {"hand", "skull_lateral", "hip", "other"}) {
    const fs::path dir = real / group;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::map<std::string, std::map<std::string, std::string>> labels;
    if (fs::exists(dir / "labels.csv")) {
      for (auto& row : parse_csv(proc::read_file(dir / "labels.csv"))) {
        const std::string file = row["file"];
        if (!file.empty() && !labels.contains(file)) labels[file] = std::move(row);  // first annotator's row
      }
    }
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string ext = lower(e.path().extension().string());
      if (e.is_regular_file() && (ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".tif" || ext == ".tiff" || ext == ".dcm"))
        files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      RealImage r{f, group, {}, lower(f.extension().string()) == ".dcm"};
      if (const auto it = labels.find(f.filename().string()); it != labels.end()) r.label = it->second;
      out.push_back(std::move(r));
    }
  }
  for (const char* group : {"xray-hip", "dicom-real"}) {
    std::vector<fs::path> files;
    std::error_code ec;
    if (!fs::is_directory(corpus / group, ec)) continue;
    for (const auto& e : fs::directory_iterator(corpus / group)) {
      if (e.is_regular_file() && lower(e.path().extension().string()) == ".dcm" && projection_radiograph(e.path()))
        files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) out.push_back({f, group, {}, true});
  }
  return out;
}

void wrap_real(const RealImage& image, const std::string& body_part, const fs::path& out, std::uint64_t uid_seed) {
  const Region region = region_of(body_part);
  const std::string description = fmt::format("{} radiograph (real image: {})", body_part, image.name());
  if (image.dicom) {
    DcmFileFormat ff;
    if (ff.loadFile(image.file.string().c_str()).bad())
      throw Error(Errc::dicom_unparseable, image.file.string() + ": cannot be read as DICOM");
    DcmDataset& ds = *ff.getDataset();
    const std::string sop = synth::make_uid("sop", uid_seed, 1);
    bool ok = ds.putAndInsertString(DCM_BodyPartExamined, body_part.c_str()).good() &&
              ds.putAndInsertString(DCM_ViewPosition, region.view.c_str()).good() &&
              ds.putAndInsertString(DCM_ImageLaterality, region.laterality.c_str()).good() &&
              ds.putAndInsertString(DCM_StudyDescription, description.substr(0, 64).c_str()).good() &&
              ds.putAndInsertString(DCM_StudyInstanceUID, synth::make_uid("study", uid_seed, 1).c_str()).good() &&
              ds.putAndInsertString(DCM_SeriesInstanceUID, synth::make_uid("series", uid_seed, 1).c_str()).good() &&
              ds.putAndInsertString(DCM_SOPInstanceUID, sop.c_str()).good() &&
              ff.getMetaInfo()->putAndInsertString(DCM_MediaStorageSOPInstanceUID, sop.c_str()).good();
    if (!image.sex().empty()) ok = ok && ds.putAndInsertString(DCM_PatientSex, image.sex().c_str()).good();
    if (!ok || ff.saveFile(out.string().c_str(), EXS_Unknown).bad())
      throw Error(Errc::io_error, fmt::format("{}: cannot write {}", image.file.string(), out.string()));
    return;
  }
  const cv::Mat m = cv::imread(image.file.string(), cv::IMREAD_GRAYSCALE | cv::IMREAD_ANYDEPTH | cv::IMREAD_IGNORE_ORIENTATION);
  if (m.empty() || m.channels() != 1 || (m.depth() != CV_8U && m.depth() != CV_16U))
    throw Error(Errc::invalid_argument, image.file.string() + ": not a readable 8- or 16-bit image");
  synth::PixelImage px;
  px.rows = static_cast<unsigned>(m.rows);
  px.cols = static_cast<unsigned>(m.cols);
  px.bits_stored = m.depth() == CV_8U ? 8 : 16;
  px.pixels.reserve(static_cast<std::size_t>(m.rows) * static_cast<std::size_t>(m.cols));
  for (int r = 0; r < m.rows; ++r) {
    for (int c = 0; c < m.cols; ++c)
      px.pixels.push_back(m.depth() == CV_8U ? m.at<std::uint8_t>(r, c) : m.at<std::uint16_t>(r, c));
  }
  synth::DxAttributes a;
  a.patient_id = fmt::format("REAL-{:06d}", uid_seed % 1000000);
  a.patient_name = "Real^Image";
  a.patient_sex = image.sex();
  a.study_uid = synth::make_uid("study", uid_seed, 1);
  a.series_uid = synth::make_uid("series", uid_seed, 1);
  a.sop_uid = synth::make_uid("sop", uid_seed, 1);
  a.study_description = description.substr(0, 64);
  a.body_part = body_part;
  a.anatomic_region = region.anatomic;
  a.view_position = region.view;
  a.image_laterality = region.laterality;
  a.manufacturer = "unknown (real image wrapped by osteon-eval)";
  a.model_name = "";
  synth::write_dx(out, a, px);
}

} // namespace osteon::eval
