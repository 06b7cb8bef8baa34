#pragma once
// Everything the SR and SC writers need besides the findings: the analysed source file (patient
// and study attributes are copied from it verbatim), who made the result (device observer,
// algorithm), where it goes (series, SR class) and how new UIDs are made. DCMTK-free.
#include <filesystem>
#include <memory>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "osteon/dicom/dicom_file.hpp"
#include "osteon/results/findings.hpp"

namespace osteon::results {

/// SR storage class of the written SR; the content is valid in all three.
enum class SrDocumentClass {
  comprehensive3d,  // 1.2.840.10008.5.1.4.1.1.88.34 (default; IHE AIR)
  comprehensive,    // 1.2.840.10008.5.1.4.1.1.88.33
  enhanced,         // 1.2.840.10008.5.1.4.1.1.88.22
};

std::string_view sr_sop_class_uid(SrDocumentClass cls);
/// "comprehensive3d", "comprehensive", "enhanced".
std::string_view sr_class_name(SrDocumentClass cls);
/// Inverse of sr_class_name (also accepts the SOP class UID); nothing for an unknown name.
std::optional<SrDocumentClass> parse_sr_class(std::string_view name);

inline constexpr std::string_view secondary_capture_sop_class = "1.2.840.10008.5.1.4.1.1.7";
inline constexpr std::string_view gsps_sop_class = "1.2.840.10008.5.1.4.1.1.11.1";

/// TID 1004 Device Observer, and the General Equipment of both objects.
struct DeviceObserver {
  std::string uid;  // stable UID of this node (configuration); required
  std::string name = "OSTEON";
  std::string manufacturer = "Osteon";
  std::string model_name = "Osteon AI node";
  std::string serial_number;  // optional
};

/// TID 4019 Algorithm Identification, written in every measurement group.
struct Algorithm {
  std::string name;     // e.g. the model name from its manifest; required
  std::string version;  // required
  std::vector<std::string> parameters;  // optional free-text parameters
  // What the model was trained on (model manifest); stated in every SR and SC.
  std::string training_data = "synthetic phantoms only (not a clinical model)";
};

/// Series of a result object. Zero number / empty description: the default for the analysis
/// kind (SR 901..903, SC 911..913, GSPS 921..923, "AI <kind> SR|Image|Overlay (not for primary
/// diagnosis)").
/// Empty series_uid: a new series.
struct SeriesSpec {
  int number = 0;
  std::string description;  // at most 64 characters
  std::string series_uid;   // to group several results of one study into one series
  int instance_number = 1;
};

/// A linear VOI window (modality units).
struct VoiWindow {
  double center = 0;
  double width = 0;
};

struct ResultContext {
  std::filesystem::path source_file;  // the analysed image (Part 10)
  // The same image as the job loaded it (its one parse), or null: the writers then load
  // source_file themselves.
  std::shared_ptr<const dicom::DicomFile> source;
  DeviceObserver device;
  Algorithm algorithm;
  std::string software_versions;  // General Equipment; empty: "<algorithm name> <version>"
  SeriesSpec sr_series;
  SeriesSpec sc_series;
  SeriesSpec gsps_series;
  SrDocumentClass sr_class = SrDocumentClass::comprehensive3d;
  // The window the pipeline displayed the source with; the GSPS uses it when the source has no
  // window of its own.
  std::optional<VoiWindow> window;
  std::function<std::string()> new_uid;  // empty: make_uid()
};

/// The disclaimer every result states (SR: document-level comment; SC: image comments and
/// series description), e.g. "AI result - not for primary diagnosis. BoneAgeNet 1.0 was
/// trained on synthetic phantoms only (not a clinical model)."
std::string disclaimer(const Algorithm& algorithm);

/// The default series of a result of `kind` (see SeriesSpec).
SeriesSpec default_sr_series(AnalysisKind kind);
SeriesSpec default_sc_series(AnalysisKind kind);
SeriesSpec default_gsps_series(AnalysisKind kind);

/// What identifies a written object (for references, evidence, the index and delivery).
struct ObjectReference {
  std::filesystem::path file;
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string series_instance_uid;
  std::string study_instance_uid;
};

/// Reads the identifying UIDs of a DICOM file. Throws osteon::Error (dicom_unparseable,
/// dicom_missing_uid).
ObjectReference read_reference(const std::filesystem::path& file);

} // namespace osteon::results
