#pragma once
// A minimal storage SCU on DCMTK's DIMSE layer for what storescu cannot do: a C-STORE whose
// command UIDs differ from its data set.
#include <cstdint>
#include <string>

class DcmDataset;

namespace osteon::test {

struct RawStoreResult {
  bool sent = false;
  std::uint16_t status = 0xFFFF;
  std::string error_comment;
  std::string error;
};

RawStoreResult raw_store(int port, DcmDataset& dataset, const std::string& command_sop_class,
                         const std::string& command_sop_instance);

} // namespace osteon::test
