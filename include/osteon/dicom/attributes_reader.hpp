#pragma once
// Reads the indexed attributes of a DICOM file without loading large values (pixel data).
#include <filesystem>

#include "osteon/core/instance_attributes.hpp"
#include "osteon/dicom/dicom_file.hpp"

namespace osteon::dicom {

/// Throws Error(dicom_unparseable) when the file is not a readable dataset, and
/// Error(dicom_missing_uid) when SOP Class/Instance, Study or Series Instance UID is absent.
InstanceAttributes read_attributes(const std::filesystem::path& file);
/// The same from a file already loaded (a job's source).
InstanceAttributes read_attributes(const DicomFile& file);

} // namespace osteon::dicom
