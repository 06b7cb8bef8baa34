#pragma once
// Findings -> one DICOM Structured Report (TID 1500 Measurement Report) per analysed image,
// in the source's study, in a new (or the given) series. Encoding: ../shared/RESULT-ENCODING.md.
#include <filesystem>
#include <optional>

#include "osteon/results/findings.hpp"
#include "osteon/results/result_context.hpp"

namespace osteon::results {

/// Writes the SR for `findings` about ctx.source_file to `out` (Explicit VR Little Endian,
/// written to a temporary name beside `out`, then renamed). `illustration`, when given (the SC
/// written by write_sc for the same source), is referenced from every measurement group as
/// "Best illustration of finding" and listed in the evidence; it must be in the source's study.
/// NotAnalysable findings give the "could not analyse: <reason>" SR.
/// Throws osteon::Error: invalid_argument (bad findings or context), dicom_unparseable /
/// dicom_missing_uid (source), io_error (writing), internal (DCMTK refused the content).
ObjectReference write_sr(const ResultContext& ctx, const Findings& findings,
                         const std::filesystem::path& out,
                         const std::optional<ObjectReference>& illustration = std::nullopt);

} // namespace osteon::results
