#pragma once
// A minimal storage SCU on DCMTK's DIMSE layer for what storescu cannot do: a C-STORE whose
// command UIDs differ from its data set, or an association kept open between C-STOREs while the
// test changes something on the node.
#include <cstdint>
#include <memory>
#include <string>

class DcmDataset;

namespace osteon::test {

struct RawStoreResult {
  bool sent = false;
  std::uint16_t status = 0xFFFF;
  std::string error_comment;
  std::string error;
};

class RawAssociation {
 public:
  /// Requests an association with the node on 127.0.0.1:port proposing `sop_class` (explicit VR
  /// little endian); error() says why when it was not established.
  RawAssociation(int port, const std::string& sop_class, const std::string& calling_ae = "RAWSCU",
                 const std::string& called_ae = "OSTEON");
  ~RawAssociation();  // releases the association when it is still up
  RawAssociation(const RawAssociation&) = delete;
  RawAssociation& operator=(const RawAssociation&) = delete;

  bool established() const;
  const std::string& error() const { return error_; }
  /// One C-STORE of `dataset` with these command UIDs; on a DIMSE failure the association is aborted.
  RawStoreResult store(DcmDataset& dataset, const std::string& command_sop_class, const std::string& command_sop_instance);
  /// A C-STORE of the data set's own SOP class and instance.
  RawStoreResult store(DcmDataset& dataset);
  /// A normal release; false when the peer did not answer it.
  bool release();

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::string sop_class_;
  std::string error_;
};

/// One association, one C-STORE, release.
RawStoreResult raw_store(int port, DcmDataset& dataset, const std::string& command_sop_class,
                         const std::string& command_sop_instance);

} // namespace osteon::test
