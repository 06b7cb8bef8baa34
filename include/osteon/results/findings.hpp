#pragma once
// What the pipelines found, as plain values: the input of the SR writer. Torch-, OpenCV- and
// DCMTK-free. The coding of each value (SNOMED, LOINC, DCM, UCUM) is the writer's business
// (../shared/RESULT-ENCODING.md sections 4 and 5).
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace osteon::results {

enum class Laterality { unknown, left, right };

enum class BoneAgeMethod {
  greulich_pyle,        // (GP, 99XAI, "Greulich and Pyle atlas")
  tanner_whitehouse_3,  // (TW3RUS, 99XAI, "Tanner-Whitehouse 3 RUS")
};

enum class Sex { unknown, female, male };

/// A position in the source image, in pixels: column (x) and row (y), 0-based, top left origin
/// (the centre of the top left pixel is 0, 0).
struct PixelLocation {
  double column = 0;
  double row = 0;
};

/// A closed outline in the source image (the last point joins the first; at least 3 points).
using Outline = std::vector<PixelLocation>;

/// Bone age of one hand radiograph. Written in months (UCUM "mo"); with the chronological
/// age also the difference bone age minus chronological age and, with the sex and an age in
/// the reference's range, the SD score (bone_age_reference.hpp).
struct BoneAgeFinding {
  double bone_age_months = 0;                     // 0..300
  std::optional<double> chronological_age_months;  // 0..300 when known
  Sex sex = Sex::unknown;                           // the SD score needs it
  Laterality laterality = Laterality::left;
  BoneAgeMethod method = BoneAgeMethod::greulich_pyle;
  Outline hand_outline;  // the hand mask's outline; empty: none (SCOORD / GSPS drawn without it)
};

enum class Presence { present, absent, undetermined };

/// Nasal bone fracture on a lateral skull radiograph.
struct NasalFractureFinding {
  double probability = 0;               // 0..1
  Presence decision = Presence::undetermined;
  std::string operating_point;          // e.g. "balanced"; written as an algorithm parameter
  std::optional<double> threshold;      // the operating point's probability threshold
  std::optional<PixelLocation> peak;    // anomaly peak, written as an SCOORD POINT
  std::optional<PixelLocation> nasion;  // the localised landmarks (SCOORD POINTs, GSPS points)
  std::optional<PixelLocation> tip;
};

struct ImplantCandidate {
  std::string manufacturer;
  std::string model;
  double probability = 0;  // 0..1
};

/// One hip. implant_found false: an explicit "no implant" (Absent) for that side.
/// unknown_design: an implant is seen but no catalogue design is confident enough; the
/// candidates are then listed as alternatives only.
struct ImplantSide {
  Laterality side = Laterality::unknown;
  bool implant_found = true;
  bool unknown_design = false;
  std::vector<ImplantCandidate> candidates;  // best first (top-k); the first is the answer
  Outline outline;  // the implant's outline (metal segmentation); empty: none
};

/// Hip implant identification. No sides: no implant found in the image.
struct ImplantFinding {
  std::vector<ImplantSide> sides;
};

enum class AnalysisKind { bone_age, nasal_fracture, implant_id };

/// The pipeline could not analyse the image; the SR says so and why instead of guessing.
struct NotAnalysable {
  AnalysisKind kind = AnalysisKind::bone_age;
  std::string reason;  // for people, e.g. "no hand found in the image"
};

using Findings = std::variant<BoneAgeFinding, NasalFractureFinding, ImplantFinding, NotAnalysable>;

AnalysisKind kind_of(const Findings& findings);
/// The pipeline id: bone_age, nasal_fracture, implant_id.
std::string_view kind_name(AnalysisKind kind);

} // namespace osteon::results
