#pragma once
// Shared helpers of the results tests: synthetic sources, contexts, a stand-in overlay, the
// validator (../shared/tools/validate-results) and a flat view of an SR's content tree.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "osteon/results/result_context.hpp"
#include "osteon/results/sc_writer.hpp"
#include "process.hpp"

namespace osteon::test::results {

namespace fs = std::filesystem;
namespace r = osteon::results;

struct Sources {
  fs::path hand;   // DX hand PA, Image Laterality L, Body Part HAND, Patient Age 011Y
  fs::path skull;  // DX skull LL, Image Laterality U, Body Part SKULL
  fs::path hip;    // DX hip AP, Image Laterality B, Body Part HIP
};

/// Writes the three sources (each in its own study) into `dir`.
Sources write_sources(const fs::path& dir);

/// A context for `source` with a fixed device observer and the given SR class.
r::ResultContext make_context(const fs::path& source, r::SrDocumentClass cls, const std::string& algorithm);

/// A stand-in overlay: the source's size, grey ramp with a coloured box; the disclaimer lines.
r::ScContent make_overlay(const fs::path& source);

/// The validator, or nothing when ../shared is absent (the caller then WARNs and skips).
std::optional<fs::path> validator();

/// Runs validate-results SOURCE RESULTS... (JIT flags set for a faster JVM start).
RunResult validate(const fs::path& source, const std::vector<fs::path>& results);

/// One content item of an SR, flattened.
struct Item {
  std::string concept_value, concept_scheme;
  std::string value_type;    // "NUM", "TEXT", "CODE", "IMAGE", "UIDREF", "SCOORD", "CONTAINER"...
  std::string relationship;  // "CONTAINS", "HAS CONCEPT MOD", ...
  std::string parent_value;  // concept code value of the parent item ("" for the root)
  std::string text;          // TEXT/UIDREF/DATE... value; NUM: numeric value
  std::string code_value, code_scheme;  // CODE value; NUM: units code value and scheme
  std::string image_sop_instance;       // IMAGE: referenced SOP instance
  std::string graphic_type;             // SCOORD
  std::size_t node_id = 0, parent_id = 0;
};

struct SrView {
  std::string sop_class_uid, sop_instance_uid, study_uid, series_uid, patient_id, patient_age;
  std::string series_number, series_description, specific_character_set;
  std::string verification_flag, completion_flag;
  std::vector<Item> items;
  std::vector<std::string> evidence_instances;  // Current Requested Procedure Evidence
  std::vector<std::string> coding_schemes;      // Coding Scheme Identification designators
};

/// Reads an SR with DCMTK (DSRDocument) and flattens its tree. REQUIREs a readable SR.
SrView read_sr(const fs::path& file);

/// The items with this concept code (value and scheme).
std::vector<Item> find(const SrView& sr, const std::string& value, const std::string& scheme);
/// The children of an item.
std::vector<Item> children(const SrView& sr, const Item& parent);

/// A string attribute of a DICOM file ("" when absent); `nested`: the first one found at any
/// depth.
std::string attribute(const fs::path& file, const std::string& keyword, bool nested = false);

/// Copies the files into $OSTEON_RESULTS_KEEP when set (to look at them).
void keep(const std::vector<fs::path>& files);

} // namespace osteon::test::results
