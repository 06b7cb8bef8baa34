#include "raw_scu.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dimse.h>

namespace osteon::test {

struct RawAssociation::State {
  T_ASC_Network* net = nullptr;
  T_ASC_Parameters* params = nullptr;
  T_ASC_Association* assoc = nullptr;
  T_ASC_PresentationContextID pres_id = 0;
};

RawAssociation::RawAssociation(int port, const std::string& sop_class, const std::string& calling_ae,
                               const std::string& called_ae)
    : state_(std::make_unique<State>()), sop_class_(sop_class) {
  auto& s = *state_;
  OFCondition cond = ASC_initializeNetwork(NET_REQUESTOR, 0, 30, &s.net);
  if (cond.good()) cond = ASC_createAssociationParameters(&s.params, ASC_DEFAULTMAXPDU);
  if (cond.good()) {
    ASC_setAPTitles(s.params, calling_ae.c_str(), called_ae.c_str(), nullptr);
    const std::string peer = "127.0.0.1:" + std::to_string(port);
    ASC_setPresentationAddresses(s.params, "localhost", peer.c_str());
    const char* ts[] = {UID_LittleEndianExplicitTransferSyntax};
    cond = ASC_addPresentationContext(s.params, 1, sop_class.c_str(), ts, 1);
  }
  if (cond.good()) cond = ASC_requestAssociation(s.net, s.params, &s.assoc);
  if (cond == DUL_ASSOCIATIONREJECTED) {
    T_ASC_RejectParameters rej;
    ASC_getRejectParameters(s.params, &rej);
    OFString text;
    error_ = std::string("Association Rejected: ") + ASC_printRejectParameters(text, &rej).c_str();
  } else if (cond.bad()) {
    error_ = cond.text();
  }
  if (cond.good()) {
    s.pres_id = ASC_findAcceptedPresentationContextID(s.assoc, sop_class.c_str());
    if (s.pres_id == 0) {
      error_ = "no presentation context accepted";
      ASC_releaseAssociation(s.assoc);
    }
  }
  if (!error_.empty()) {
    if (s.assoc) ASC_destroyAssociation(&s.assoc);
    else if (s.params) ASC_destroyAssociationParameters(&s.params);
    s.assoc = nullptr;
    s.params = nullptr;
  }
}

RawAssociation::~RawAssociation() {
  release();
  if (state_->net) ASC_dropNetwork(&state_->net);
}

bool RawAssociation::established() const { return state_->assoc != nullptr; }

RawStoreResult RawAssociation::store(DcmDataset& dataset) {
  OFString sop_class, sop_instance;
  dataset.findAndGetOFString(DCM_SOPClassUID, sop_class);
  dataset.findAndGetOFString(DCM_SOPInstanceUID, sop_instance);
  return store(dataset, sop_class.c_str(), sop_instance.c_str());
}

RawStoreResult RawAssociation::store(DcmDataset& dataset, const std::string& sop_class, const std::string& sop_instance) {
  RawStoreResult result;
  if (!established()) {
    result.error = error_.empty() ? "the association is not established" : error_;
    return result;
  }
  auto& s = *state_;
  T_DIMSE_C_StoreRQ req{};
  req.MessageID = s.assoc->nextMsgID++;
  OFStandard::strlcpy(req.AffectedSOPClassUID, sop_class.c_str(), sizeof req.AffectedSOPClassUID);
  OFStandard::strlcpy(req.AffectedSOPInstanceUID, sop_instance.c_str(), sizeof req.AffectedSOPInstanceUID);
  req.DataSetType = DIMSE_DATASET_PRESENT;
  req.Priority = DIMSE_PRIORITY_MEDIUM;
  T_DIMSE_C_StoreRSP rsp{};
  DcmDataset* detail = nullptr;
  const OFCondition cond =
      DIMSE_storeUser(s.assoc, s.pres_id, &req, nullptr, &dataset, nullptr, nullptr, DIMSE_BLOCKING, 0, &rsp, &detail);
  if (cond.good()) {
    result.sent = true;
    result.status = rsp.DimseStatus;
    if (detail) {
      OFString comment;
      detail->findAndGetOFString(DCM_ErrorComment, comment);
      result.error_comment = comment.c_str();
    }
  } else {
    result.error = cond.text();
    ASC_abortAssociation(s.assoc);
    ASC_destroyAssociation(&s.assoc);
    s.assoc = nullptr;
  }
  delete detail;
  return result;
}

bool RawAssociation::release() {
  auto& s = *state_;
  if (!s.assoc) return false;
  const bool released = ASC_releaseAssociation(s.assoc).good();
  ASC_destroyAssociation(&s.assoc);
  s.assoc = nullptr;
  return released;
}

RawStoreResult raw_store(int port, DcmDataset& dataset, const std::string& sop_class, const std::string& sop_instance) {
  RawAssociation association(port, sop_class);
  if (!association.established()) {
    RawStoreResult result;
    result.error = association.error();
    return result;
  }
  return association.store(dataset, sop_class, sop_instance);
}

} // namespace osteon::test
