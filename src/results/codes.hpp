#pragma once
// Concept codes of the result SRs (RESULT-ENCODING.md section 4). Internal; DCMTK-free.
#include <string>
#include <string_view>

namespace osteon::results::codes {

struct Code {
  std::string value;
  std::string scheme;
  std::string meaning;
  bool operator==(const Code&) const = default;
};

/// Our private coding scheme (Coding Scheme Identification Sequence when used).
inline constexpr std::string_view private_scheme = "99XAI";
inline constexpr std::string_view private_scheme_name = "Osteon private codes";
inline constexpr std::string_view private_scheme_org = "Osteon project";

// Structure
inline const Code procedure_reported_value{"363679005", "SCT", "Imaging procedure"};
inline const Code comment{"121106", "DCM", "Comment"};
inline const Code image_region{"111030", "DCM", "Image Region"};
inline const Code best_illustration{"121080", "DCM", "Best illustration of finding"};
inline const Code algorithm_name{"111001", "DCM", "Algorithm Name"};
inline const Code algorithm_version{"111003", "DCM", "Algorithm Version"};
inline const Code algorithm_parameters{"111002", "DCM", "Algorithm Parameters"};
inline const Code target_region{"123014", "DCM", "Target Region"};
inline const Code image_laterality{"111027", "DCM", "Image Laterality"};
inline const Code measurement_group{"125007", "DCM", "Measurement Group"};
inline const Code probability{"122157", "DCM", "Probability"};

// Units (UCUM)
inline const Code unit_month{"mo", "UCUM", "month"};
inline const Code unit_none{"1", "UCUM", "no units"};
inline const Code unit_sd{"{SD}", "UCUM", "standard deviation"};

// Anatomy and laterality (SCT)
inline const Code hand{"85562004", "SCT", "Hand"};
inline const Code nasal_bone{"74386004", "SCT", "Nasal bone"};
inline const Code hip_joint{"29836001", "SCT", "Hip joint"};  // CID 4031 member
inline const Code hip_joint_structure{"24136001", "SCT", "Hip Joint"};  // DCMTK's HIP mapping
inline const Code left{"7771000", "SCT", "Left"};
inline const Code right{"24028007", "SCT", "Right"};
inline const Code unilateral{"66459002", "SCT", "Unilateral"};

// Presence (CID 241 / 240)
inline const Code present{"52101004", "SCT", "Present"};
inline const Code absent{"272519000", "SCT", "Absent"};
inline const Code undetermined{"373068000", "SCT", "Undetermined"};
inline const Code unknown{"261665006", "SCT", "Unknown"};

// Bone age
inline const Code bone_age{"85151-9", "LN", "Bone age"};
inline const Code subject_age{"121033", "DCM", "Subject Age"};
inline const Code bone_age_difference{"BADIFF", "99XAI", "Bone age minus chronological age"};
inline const Code greulich_pyle{"GP", "99XAI", "Greulich and Pyle atlas"};
inline const Code bone_age_sd_score{"BASDS", "99XAI", "Bone age SD score"};
inline const Code bone_age_assessment{"BAASSESS", "99XAI", "Bone age assessment"};
inline const Code tanner_whitehouse_3{"TW3RUS", "99XAI", "Tanner-Whitehouse 3 RUS"};

// Nasal fracture
inline const Code fracture{"72704001", "SCT", "Fracture"};

// Hip implant
inline const Code prosthesis{"53350007", "SCT", "Prosthesis"};
inline const Code device_manufacturer{"121194", "DCM", "Device Subject Manufacturer"};
inline const Code device_model{"121195", "DCM", "Device Subject Model Name"};
inline const Code implant_design{"IMPLDSGN", "99XAI", "Implant design"};
inline const Code alternative_candidate{"ALTCAND", "99XAI", "Alternative implant candidate"};

} // namespace osteon::results::codes
