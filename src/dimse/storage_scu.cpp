#include "osteon/dimse/storage_scu.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dimse.h>
#include <dcmtk/dcmtls/tlscond.h>
#include <dcmtk/dcmtls/tlslayer.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "osteon/core/error.hpp"
#include "osteon/dicom/dicom_file.hpp"
#include "tls.hpp"

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
    case SendResult::tls_failed: return "TLS handshake failed";
  }
  return "unknown";
}

namespace {

// Owns the DCMTK network, TLS context and association objects for one send (the TLS context
// outlives the association and the network that use it).
struct Session {
  std::unique_ptr<DcmTLSTransportLayer> tls;
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

// A failed TLS handshake. The peer's certificate not trusted, no common protocol version or
// ciphersuite, our certificate refused: permanent (retrying changes nothing). The connection
// dropped during the handshake: transient.
SendOutcome tls_handshake_failed(const std::string& address, const OFCondition& cond) {
  if (const auto problem = last_verify_problem(); !problem.empty()) {
    return {SendResult::tls_failed, 0xFFFF,
            fmt::format("{}: peer certificate not trusted by tls_ca_file: {}", address, problem)};
  }
  const bool ssl_reason = cond.code() >= DCMTLS_EC_SSL_Offset;
  const bool transient = !ssl_reason || cond.code() == DCMTLS_EC_SSL_Offset + SSL_R_UNEXPECTED_EOF_WHILE_READING;
  if (transient) {
    return {SendResult::network_error, 0xFFFF,
            fmt::format("TLS handshake with {} failed: {} (connection closed during the handshake: is it a DICOM TLS "
                        "port?)",
                        address, cond.text())};
  }
  return {SendResult::tls_failed, 0xFFFF, fmt::format("{}: {}", address, cond.text())};
}

// With TLS 1.3 the peer checks our certificate after our side of the handshake is complete: a
// refusal (no certificate, one it does not trust) arrives as a fatal alert while the association
// is negotiated, and DCMTK only says the peer aborted. OpenSSL keeps the alert in this thread's
// error queue (among other entries); this takes the queue and returns the alert, if any.
std::optional<std::string> take_tls_alert_from_peer() {
  std::optional<std::string> alert;
  while (const unsigned long e = ERR_get_error()) {
    if (!alert && ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) >= SSL_AD_REASON_OFFSET) {
      const char* reason = ERR_reason_error_string(e);
      alert = reason ? reason : "TLS alert";
    }
  }
  return alert;
}

// Opens an association with `peer` proposing one presentation context; nullopt when it is up
// (in `s`), else how it failed.
std::optional<SendOutcome> associate(Session& s, const Peer& peer, const ScuSettings& settings, const char* abstract_syntax,
                                     std::vector<const char*> syntaxes, const std::string& address) {
  if (peer.tls.enabled) {
    std::string error;
    s.tls = make_tls_layer(peer.tls, NET_REQUESTOR, error);
    if (!s.tls) return SendOutcome{SendResult::failed_permanent, 0xFFFF, error};
  }
  OFCondition cond = ASC_initializeNetwork(NET_REQUESTOR, 0, settings.acse_timeout_s, &s.net);
  if (cond.good()) cond = ASC_createAssociationParameters(&s.params, settings.max_pdu);
  if (cond.good() && s.tls) cond = ASC_setTransportLayer(s.net, s.tls.get(), 0);
  if (cond.good() && s.tls) cond = ASC_setTransportLayerType(s.params, OFTrue);
  if (cond.bad()) return SendOutcome{SendResult::network_error, 0xFFFF, cond.text()};
  ASC_setAPTitles(s.params, settings.calling_ae.c_str(), peer.ae_title.c_str(), nullptr);
  ASC_setPresentationAddresses(s.params, "localhost", address.c_str());
  cond = ASC_addPresentationContext(s.params, 1, abstract_syntax, syntaxes.data(), static_cast<int>(syntaxes.size()));
  if (cond.bad()) return SendOutcome{SendResult::failed_permanent, 0xFFFF, cond.text()};
  clear_verify_problem();
  ERR_clear_error();
  cond = ASC_requestAssociation(s.net, s.params, &s.assoc);
  const auto alert = s.tls && cond.bad() ? take_tls_alert_from_peer() : std::nullopt;
  ERR_clear_error();
  if (cond == DUL_ASSOCIATIONREJECTED) {
    T_ASC_RejectParameters rej;
    ASC_getRejectParameters(s.params, &rej);
    OFString text;
    ASC_printRejectParameters(text, &rej);
    const bool permanent = rej.result == ASC_RESULT_REJECTEDPERMANENT;
    return SendOutcome{permanent ? SendResult::rejected_permanent : SendResult::rejected_transient, 0xFFFF,
            fmt::format("association rejected: {}", text.c_str())};
  }
  if (cond.bad() && s.tls && cond.module() == OFM_dcmtls) {
    return tls_handshake_failed(address, cond);
  }
  if (alert) {
    return SendOutcome{SendResult::tls_failed, 0xFFFF,
            fmt::format("{} refused the TLS session: {} (check tls_cert_file, and that the peer trusts it): {}",
                        address, *alert, cond.text())};
  }
  if (cond.bad()) return SendOutcome{SendResult::network_error, 0xFFFF, fmt::format("cannot associate with {}: {}", address, cond.text())};
  return std::nullopt;
}

} // namespace

SendOutcome send_file(const Peer& peer, const ScuSettings& settings, const std::filesystem::path& file) {
  SendOutcome out;
  std::optional<dicom::DicomFile> loaded;
  try {
    loaded.emplace(dicom::DicomFile::load(file));
  } catch (const Error& e) {
    return {SendResult::failed_permanent, 0xFFFF, fmt::format("cannot read {}: {}", file.string(), e.what())};
  }
  DcmDataset* ds = loaded->dcmtk().getDataset();
  const std::string sop_class = loaded->string(0x0008, 0x0016);
  const std::string sop_instance = loaded->string(0x0008, 0x0018);
  const E_TransferSyntax original = ds->getOriginalXfer();
  std::vector<const char*> syntaxes;
  const char* own = DcmXfer(original).getXferID();
  if (original != EXS_LittleEndianExplicit && original != EXS_LittleEndianImplicit && original != EXS_Unknown) {
    syntaxes.push_back(own);
  }
  syntaxes.push_back(UID_LittleEndianExplicitTransferSyntax);
  syntaxes.push_back(UID_LittleEndianImplicitTransferSyntax);

  Session s;
  const std::string address = fmt::format("{}:{}", peer.host, peer.port);
  if (auto failed = associate(s, peer, settings, sop_class.c_str(), syntaxes, address)) return *failed;
  OFCondition cond;
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

SendOutcome echo(const Peer& peer, const ScuSettings& settings) {
  Session s;
  const std::string address = fmt::format("{}:{}", peer.host, peer.port);
  const std::vector<const char*> syntaxes{UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax};
  if (auto failed = associate(s, peer, settings, UID_VerificationSOPClass, syntaxes, address)) return *failed;
  if (ASC_findAcceptedPresentationContextID(s.assoc, UID_VerificationSOPClass) == 0) {
    ASC_releaseAssociation(s.assoc);
    return {SendResult::sop_class_refused, 0xFFFF, fmt::format("{} does not accept Verification (C-ECHO)", peer.ae_title)};
  }
  DIC_US status = 0xFFFF;
  DcmDataset* detail = nullptr;
  const OFCondition cond = DIMSE_echoUser(s.assoc, s.assoc->nextMsgID++, DIMSE_BLOCKING, settings.dimse_timeout_s,
                                          &status, &detail);
  std::unique_ptr<DcmDataset> detail_owner(detail);
  if (cond.bad()) {
    ASC_abortAssociation(s.assoc);
    return {SendResult::network_error, 0xFFFF, fmt::format("C-ECHO failed: {}", cond.text())};
  }
  ASC_releaseAssociation(s.assoc);
  if (status != 0x0000) return {SendResult::failed_permanent, status, fmt::format("C-ECHO status 0x{:04X}", status)};
  return {SendResult::delivered, 0x0000, "success"};
}

} // namespace osteon::dimse
