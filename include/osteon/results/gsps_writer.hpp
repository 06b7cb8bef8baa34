#pragma once
// Findings -> a Grayscale Softcopy Presentation State (1.2.840.10008.5.1.4.1.1.11.1) that a PACS
// viewer applies to the analysed image itself: the AI's marks as vector graphics and text on
// named layers (switchable in the viewer), the source's VOI window, and "AI result - not for
// primary diagnosis" with the algorithm. In the source's study, its own series. Built with
// DCMTK's dcmpstat. DCMTK-free header.
#include <filesystem>
#include <optional>

#include "osteon/results/findings.hpp"
#include "osteon/results/result_context.hpp"

namespace osteon::results {

/// The graphic layers a GSPS may carry (Graphic Layer names).
inline constexpr const char* gsps_layer_text = "AI RESULT";           // disclaimer, algorithm, findings
inline constexpr const char* gsps_layer_hand = "HAND OUTLINE";        // bone age: hand outline + label
inline constexpr const char* gsps_layer_anomaly = "NASAL ANOMALY";    // nasal: peak circle + label
inline constexpr const char* gsps_layer_landmarks = "NASAL LANDMARKS"; // nasal: nasion and tip points
inline constexpr const char* gsps_layer_implant = "IMPLANT OUTLINE";  // implant: outline + label per side

/// Writes the GSPS for `findings` about ctx.source_file to `out` (as write_sr does), referencing
/// the source image. Graphics in PIXEL units: closed POLYLINEs for the hand and implant outlines,
/// a CIRCLE around the anomaly peak, POINTs for the nasal landmarks, each labelled; a text block
/// in DISPLAY units at the top left (disclaimer, algorithm and version, the findings). VOI: the
/// source's first window, else ctx.window, else none. NotAnalysable findings: the text block
/// with the reason only. A source that is not greyscale (MONOCHROME1/2) gets none: nothing is
/// written and nothing returned (it would need a Color Softcopy Presentation State, which
/// DCMTK 3.6.7 cannot make). Throws osteon::Error as write_sr does.
std::optional<ObjectReference> write_gsps(const ResultContext& ctx, const Findings& findings,
                                          const std::filesystem::path& out);

} // namespace osteon::results
