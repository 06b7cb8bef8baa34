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
  std::string value;         // NUM: "<value> <unit>", CODE: its meaning, TEXT and others: the text
};

/// The content tree of an SR file. Not an SR, or unreadable: Error(dicom_unparseable).
std::vector<SrItem> read_sr_items(const std::filesystem::path& file);

} // namespace osteon::results
