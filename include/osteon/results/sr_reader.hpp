#pragma once
// Reading a Structured Report back as its content tree (the admin console shows an SR's findings
// as the PACS would store them). DCMTK-free header.
#include <filesystem>
#include <string>
#include <vector>

namespace osteon::results {

/// One content item, in depth-first order; `level` 1 is the root container.
struct SrItem {
  int level = 1;
  std::string relationship;  // "contains", "has obs context", ... (empty for the root)
  std::string value_type;    // "CONTAINER", "NUM", "CODE", "TEXT", ...
  std::string concept_name;  // the concept name's code meaning
  std::string value;         // NUM: "<value> <unit>", CODE: its meaning, SCOORD: "POLYLINE, 12
                             // points", TEXT and others: the text
  std::string graphic_type;  // SCOORD: POINT, POLYLINE, ...
  std::vector<float> points;  // SCOORD: x, y pairs (origin at the top left corner of the image)
  std::string image_sop_instance;  // IMAGE: the referenced SOP Instance UID
};

/// The content tree of an SR file. Not an SR, or unreadable: Error(dicom_unparseable).
std::vector<SrItem> read_sr_items(const std::filesystem::path& file);

} // namespace osteon::results
