#include "osteon/dimse/storage_scu.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dimse.h>

#include <memory>
#include <vector>

#include <fmt/format.h>

namespace osteon::dimse {

std::string to_string(SendResult r) {
  switch (r) {
    case SendResult::delivered: return "delivered";
    case SendResult::rejected_permanent: return "association rejected (permanent)";
    case SendResult::rejected_transient: return "association rejected (transient)";
    case SendResult::sop_class_refused: return "SOP class refused";
    case SendResult::failed_permanent: return "failure status";
    case SendResult::failed_transient: return "transient failure";
    case SendResult::network_error: return "network error";
  }
  return "unknown";
}

namespace {

// Owns the DCMTK network and association objects for one send.
struct Session {
  T_ASC_Network* net = nullptr;
  T_ASC_Parameters* params = nullptr;
  T_ASC_Association* assoc = nullptr;
  ~Session() {
    if (assoc) {
      ASC_destroyAssociation(&assoc);
    } else if (params) {
      ASC_destroyAssociationParameters(&params);
    }
    if (net) ASC_dropNetwork(&net);
  }
};

bool is_warning(std::uint16_t s) { return s == 0xB000 || s == 0xB006 || s == 0xB007 || (s & 0xF000) == 0xB000; }

} // namespace

SendOutcome send_file(const Peer& peer, const ScuSettings& settings, const std::filesystem::path& file) {
  SendOutcome out;
  DcmFileFormat ff;
  OFCondition cond = ff.loadFile(file.c_str());
  if (cond.bad()) {
    return {SendResult::failed_permanent, 0xFFFF, fmt::format("cannot read {}: {}", file.string(), cond.text())};
  }
  DcmDataset* ds = ff.getDataset();
  OFString sop_class;
  OFString sop_instance;
  ds->findAndGetOFString(DCM_SOPClassUID, sop_class);
  ds->findAndGetOFString(DCM_SOPInstanceUID, sop_instance);
  const E_TransferSyntax original = ds->getOriginalXfer();
  std::vector<const char*> syntaxes;
  const char* own = DcmXfer(original).getXferID();
  if (original != EXS_LittleEndianExplicit && original != EXS_LittleEndianImplicit && original != EXS_Unknown) {
    syntaxes.push_back(own);
  }
  syntaxes.push_back(UID_LittleEndianExplicitTransferSyntax);
  syntaxes.push_back(UID_LittleEndianImplicitTransferSyntax);

  Session s;
  cond = ASC_initializeNetwork(NET_REQUESTOR, 0, settings.acse_timeout_s, &s.net);
  if (cond.good()) cond = ASC_createAssociationParameters(&s.params, settings.max_pdu);
  if (cond.bad()) return {SendResult::network_error, 0xFFFF, cond.text()};
  ASC_setAPTitles(s.params, settings.calling_ae.c_str(), peer.ae_title.c_str(), nullptr);
  const std::string address = fmt::format("{}:{}", peer.host, peer.port);
  ASC_setPresentationAddresses(s.params, "localhost", address.c_str());
  cond = ASC_addPresentationContext(s.params, 1, sop_class.c_str(), syntaxes.data(), static_cast<int>(syntaxes.size()));
  if (cond.bad()) return {SendResult::failed_permanent, 0xFFFF, cond.text()};
  cond = ASC_requestAssociation(s.net, s.params, &s.assoc);
  if (cond == DUL_ASSOCIATIONREJECTED) {
    T_ASC_RejectParameters rej;
    ASC_getRejectParameters(s.params, &rej);
    OFString text;
    ASC_printRejectParameters(text, &rej);
    const bool permanent = rej.result == ASC_RESULT_REJECTEDPERMANENT;
    return {permanent ? SendResult::rejected_permanent : SendResult::rejected_transient, 0xFFFF,
            fmt::format("association rejected: {}", text.c_str())};
  }
  if (cond.bad()) return {SendResult::network_error, 0xFFFF, fmt::format("cannot associate with {}: {}", address, cond.text())};

  const T_ASC_PresentationContextID pres_id = ASC_findAcceptedPresentationContextID(s.assoc, sop_class.c_str());
  if (pres_id == 0) {
    ASC_releaseAssociation(s.assoc);
    return {SendResult::sop_class_refused, 0xFFFF, fmt::format("{} does not accept SOP class {}", peer.ae_title, sop_class.c_str())};
  }
  T_ASC_PresentationContext pc;
  ASC_findAcceptedPresentationContext(s.assoc->params, pres_id, &pc);
  const DcmXfer accepted(pc.acceptedTransferSyntax);
  if (accepted.getXfer() != original && ds->chooseRepresentation(accepted.getXfer(), nullptr).bad()) {
    ASC_abortAssociation(s.assoc);
    return {SendResult::failed_permanent, 0xFFFF, fmt::format("cannot convert to {}", accepted.getXferName())};
  }
  T_DIMSE_C_StoreRQ req{};
  req.MessageID = s.assoc->nextMsgID++;
  OFStandard::strlcpy(req.AffectedSOPClassUID, sop_class.c_str(), sizeof req.AffectedSOPClassUID);
  OFStandard::strlcpy(req.AffectedSOPInstanceUID, sop_instance.c_str(), sizeof req.AffectedSOPInstanceUID);
  req.DataSetType = DIMSE_DATASET_PRESENT;
  req.Priority = DIMSE_PRIORITY_MEDIUM;
  T_DIMSE_C_StoreRSP rsp{};
  DcmDataset* detail = nullptr;
  cond = DIMSE_storeUser(s.assoc, pres_id, &req, nullptr, ds, nullptr, nullptr, DIMSE_BLOCKING, settings.dimse_timeout_s,
                         &rsp, &detail);
  std::unique_ptr<DcmDataset> detail_owner(detail);
  if (cond.bad()) {
    ASC_abortAssociation(s.assoc);
    return {SendResult::failed_transient, 0xFFFF, fmt::format("C-STORE failed: {}", cond.text())};
  }
  ASC_releaseAssociation(s.assoc);
  out.status = rsp.DimseStatus;
  std::string comment;
  if (detail) {
    OFString c;
    if (detail->findAndGetOFString(DCM_ErrorComment, c).good()) comment = c.c_str();
  }
  if (rsp.DimseStatus == 0x0000 || is_warning(rsp.DimseStatus)) {
    out.result = SendResult::delivered;
    out.detail = rsp.DimseStatus == 0 ? "success" : fmt::format("warning 0x{:04X}", rsp.DimseStatus);
  } else if ((rsp.DimseStatus & 0xFF00) == 0xA700) {
    out.result = SendResult::failed_transient;
    out.detail = fmt::format("status 0x{:04X} (out of resources) {}", rsp.DimseStatus, comment);
  } else {
    out.result = SendResult::failed_permanent;
    out.detail = fmt::format("status 0x{:04X} {}", rsp.DimseStatus, comment);
  }
  return out;
}

} // namespace osteon::dimse
