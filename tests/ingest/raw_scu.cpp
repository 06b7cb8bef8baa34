#include "raw_scu.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dimse.h>

namespace osteon::test {

RawStoreResult raw_store(int port, DcmDataset& dataset, const std::string& sop_class, const std::string& sop_instance) {
  RawStoreResult result;
  T_ASC_Network* net = nullptr;
  T_ASC_Parameters* params = nullptr;
  T_ASC_Association* assoc = nullptr;
  OFCondition cond = ASC_initializeNetwork(NET_REQUESTOR, 0, 30, &net);
  if (cond.good()) cond = ASC_createAssociationParameters(&params, ASC_DEFAULTMAXPDU);
  if (cond.good()) {
    ASC_setAPTitles(params, "RAWSCU", "OSTEON", nullptr);
    const std::string peer = "127.0.0.1:" + std::to_string(port);
    ASC_setPresentationAddresses(params, "localhost", peer.c_str());
    const char* ts[] = {UID_LittleEndianExplicitTransferSyntax};
    cond = ASC_addPresentationContext(params, 1, sop_class.c_str(), ts, 1);
  }
  if (cond.good()) cond = ASC_requestAssociation(net, params, &assoc);
  if (cond == DUL_ASSOCIATIONREJECTED) {
    T_ASC_RejectParameters rej;
    ASC_getRejectParameters(params, &rej);
    OFString text;
    result.error = std::string("Association Rejected: ") + ASC_printRejectParameters(text, &rej).c_str();
  } else if (cond.bad()) {
    result.error = cond.text();
  }
  if (cond.bad()) {
    if (assoc) ASC_destroyAssociation(&assoc);
    else if (params) ASC_destroyAssociationParameters(&params);
    ASC_dropNetwork(&net);
    return result;
  }
  const T_ASC_PresentationContextID pres_id = ASC_findAcceptedPresentationContextID(assoc, sop_class.c_str());
  if (pres_id == 0) {
    result.error = "no presentation context accepted";
    ASC_releaseAssociation(assoc);
    ASC_destroyAssociation(&assoc);
    ASC_dropNetwork(&net);
    return result;
  }
  T_DIMSE_C_StoreRQ req{};
  req.MessageID = assoc->nextMsgID++;
  OFStandard::strlcpy(req.AffectedSOPClassUID, sop_class.c_str(), sizeof req.AffectedSOPClassUID);
  OFStandard::strlcpy(req.AffectedSOPInstanceUID, sop_instance.c_str(), sizeof req.AffectedSOPInstanceUID);
  req.DataSetType = DIMSE_DATASET_PRESENT;
  req.Priority = DIMSE_PRIORITY_MEDIUM;
  T_DIMSE_C_StoreRSP rsp{};
  DcmDataset* detail = nullptr;
  cond = DIMSE_storeUser(assoc, pres_id, &req, nullptr, &dataset, nullptr, nullptr, DIMSE_BLOCKING, 0, &rsp, &detail);
  if (cond.good()) {
    result.sent = true;
    result.status = rsp.DimseStatus;
    if (detail) {
      OFString comment;
      detail->findAndGetOFString(DCM_ErrorComment, comment);
      result.error_comment = comment.c_str();
    }
    ASC_releaseAssociation(assoc);
  } else {
    result.error = cond.text();
    ASC_abortAssociation(assoc);
  }
  delete detail;
  ASC_destroyAssociation(&assoc);
  ASC_dropNetwork(&net);
  return result;
}

} // namespace osteon::test
