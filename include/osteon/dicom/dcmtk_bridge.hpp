#pragma once
// The DCMTK side of the DICOM seam, for the layers built on DCMTK (dicom, imaging, results,
// dimse): the one translation of a DCMTK condition into osteon::Error, the one string getter
// and the one way a DICOM file is saved. Layers above these never include DCMTK; they use
// DicomFile (dicom_file.hpp).
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/ofstd/ofcond.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "osteon/core/error.hpp"

class DcmFileFormat;
class DcmItem;
class DcmTagKey;

namespace osteon::dicom {

/// Error(code, "<what>: <DCMTK's text for the condition>").
Error error_of(const OFCondition& condition, Errc code, std::string_view what);
/// Throws error_of(condition, code, what) when the condition is bad.
void check(const OFCondition& condition, Errc code, std::string_view what);

/// A string attribute of `item` (all values, backslash separated), trailing padding (spaces,
/// NUL) removed; empty when absent.
std::string get_string(DcmItem& item, const DcmTagKey& tag);

/// Saves `file` as a Part 10 file in `transfer_syntax` (the meta header is rebuilt), atomically:
/// written beside `out` as "<out>.part" and renamed into place, so `out` is either absent or
/// whole. Missing parent directories are created. Throws Error(io_error) "cannot write <out>: ...".
/// Durability (fsync) is the spool's business (Spool::commit), where files become part of the store.
void save(DcmFileFormat& file, const std::filesystem::path& out,
          E_TransferSyntax transfer_syntax = EXS_LittleEndianExplicit);

} // namespace osteon::dicom
