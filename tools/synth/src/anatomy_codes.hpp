// Internal: body part names to SNOMED CT codes for the Anatomic Region Sequence.
#pragma once

#include <string>
#include <string_view>

namespace osteon::synth::detail {

struct AnatomyCode {
  std::string_view value;
  std::string_view meaning;
};

// Upper-cases and maps synonyms ("L HAND", "hand", "NASAL BONES", "PELVIS"...) to a canonical
// region (HAND, SKULL, FACE, NASAL BONES, HIP, PELVIS); unknown or empty gives "HAND".
std::string canonical_region(std::string_view body_part);

// Code for a canonical region (SCT scheme).
AnatomyCode anatomy_code(std::string_view canonical_region);

// View Code Sequence code (CID 4010, SCT) for a View Position; empty value when unknown.
AnatomyCode view_code(std::string_view view_position);

}  // namespace osteon::synth::detail
