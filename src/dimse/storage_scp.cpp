#include "osteon/dimse/storage_scp.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dimse.h>
#include <dcmtk/dcmnet/diutil.h>

#include <algorithm>
#include <chrono>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"
#include "tls.hpp"

namespace osteon::dimse {

namespace {

using Clock = std::chrono::steady_clock;

// Preferred first: a context that offers a compressed syntax keeps the modality's encoding.
const char* storage_syntaxes[] = {
    UID_JPEGProcess14SV1TransferSyntax,       UID_JPEGProcess14TransferSyntax,
    UID_JPEGLSLosslessTransferSyntax,         UID_JPEGLSLossyTransferSyntax,
    UID_JPEG2000LosslessOnlyTransferSyntax,   UID_JPEG2000TransferSyntax,
    UID_RLELosslessTransferSyntax,            UID_JPEGProcess1TransferSyntax,
    UID_JPEGProcess2_4TransferSyntax,         UID_DeflatedExplicitVRLittleEndianTransferSyntax,
    UID_LittleEndianExplicitTransferSyntax,   UID_BigEndianExplicitTransferSyntax,
    UID_LittleEndianImplicitTransferSyntax,
};
const char* echo_syntaxes[] = {UID_LittleEndianExplicitTransferSyntax, UID_BigEndianExplicitTransferSyntax,
                                     UID_LittleEndianImplicitTransferSyntax};
const char* echo_class[] = {UID_VerificationSOPClass};

struct StoreCallbackContext {
  ScpHandler* handler;
  const AssociationInfo* info;
  ReceivedStore store;
  StoreOutcome outcome;
  bool completed = false;
  DcmDataset* status_detail = nullptr;
  long progress_reported = 0;
};

constexpr long progress_step = 4L << 20;  // report every 4 MiB received

void store_callback(void* data, T_DIMSE_StoreProgress* progress, T_DIMSE_C_StoreRQ* /*req*/,
                    char* /*file*/, DcmDataset** /*dataset*/, T_DIMSE_C_StoreRSP* rsp, DcmDataset** status_detail) {
  auto* ctx = static_cast<StoreCallbackContext*>(data);
  if (progress->state == DIMSE_StoreProgressing) {
    if (progress->progressBytes - ctx->progress_reported >= progress_step) {
      ctx->progress_reported = progress->progressBytes;
      ctx->handler->store_progress(*ctx->info, ctx->store.temp_file);
    }
    return;
  }
  if (progress->state != DIMSE_StoreEnd) return;
  if (rsp->DimseStatus != STATUS_Success) {
    // DCMTK could not write the file (out of resources); keep its status.
    ctx->outcome = {rsp->DimseStatus, "cannot write received data set"};
  } else {
    ctx->outcome = ctx->handler->complete_store(*ctx->info, ctx->store);
  }
  ctx->completed = true;
  rsp->DimseStatus = ctx->outcome.status;
  if (ctx->outcome.status != STATUS_Success && !ctx->outcome.error_comment.empty()) {
    ctx->status_detail = new DcmDataset;
    ctx->status_detail->putAndInsertString(DCM_ErrorComment, ctx->outcome.error_comment.substr(0, 64).c_str());
    *status_detail = ctx->status_detail;
  }
}

void reject(T_ASC_Association* assoc, T_ASC_RejectParametersResult result, T_ASC_RejectParametersSource source,
            T_ASC_RejectParametersReason reason) {
  T_ASC_RejectParameters rej{result, source, reason};
  ASC_rejectAssociation(assoc, &rej);
}

} // namespace

struct StorageScp::Impl {
  ListenerConfig listener;
  SecurityConfig security;
  ScpHandler& handler;
  // One listening port: plain TCP, or DICOM TLS with its context (which outlives the network).
  struct Endpoint {
    int port = 0;
    bool secure = false;
    std::unique_ptr<DcmTLSTransportLayer> tls;
    T_ASC_Network* net = nullptr;
    std::thread acceptor;
  };
  std::vector<std::unique_ptr<Endpoint>> endpoints;
  std::atomic<bool> stopping{false};
  std::atomic<int> active{0};
  Clock::time_point stop_deadline{};
  std::mutex workers_mutex;
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::list<Worker> workers;

  Impl(const ListenerConfig& l, const SecurityConfig& s, ScpHandler& h) : listener(l), security(s), handler(h) {}

  void open(int port, bool secure);
  void accept_loop(Endpoint& endpoint);
  void handshake_failed(T_ASC_Association* assoc, const Endpoint& endpoint, const OFCondition& cond);
  void serve(T_ASC_Association* assoc, AssociationInfo info);
  void handle_store(T_ASC_Association* assoc, T_ASC_PresentationContextID pres_id, T_DIMSE_C_StoreRQ& req,
                    const AssociationInfo& info, AssociationStats& stats);
  bool negotiate(T_ASC_Association* assoc, AssociationInfo& info);
  void reap(bool all);
};

StorageScp::StorageScp(const ListenerConfig& listener, const SecurityConfig& security, ScpHandler& handler)
    : impl_(std::make_unique<Impl>(listener, security, handler)) {
  dcmDisableGethostbyaddr.set(OFTrue);  // no reverse DNS on every association
}

StorageScp::~StorageScp() {
  request_stop();
  wait();
}

void StorageScp::Impl::open(int port, bool secure) {
  auto e = std::make_unique<Endpoint>();
  e->port = port;
  e->secure = secure;
  if (secure) {
    std::string error;
    e->tls = make_tls_layer(listener.tls, NET_ACCEPTOR, error);
    if (!e->tls) throw Error(Errc::config_invalid, fmt::format("{}: {}", listener.tls.origin, error));
  }
  OFCondition cond = ASC_initializeNetwork(NET_ACCEPTOR, port, listener.acse_timeout_s, &e->net);
  if (cond.good() && secure) cond = ASC_setTransportLayer(e->net, e->tls.get(), 0);
  if (cond.bad()) {
    if (e->net) ASC_dropNetwork(&e->net);
    // A port below 1024 needs a capability the packaged service drops unless the admin grants it.
    const std::string hint =
        port < 1024 ? " (a port below 1024 needs CAP_NET_BIND_SERVICE; for the osteon service: systemctl edit osteon, "
                      "add CapabilityBoundingSet=CAP_NET_BIND_SERVICE and AmbientCapabilities=CAP_NET_BIND_SERVICE "
                      "under [Service])"
                    : "";
    throw Error(Errc::network_error,
                fmt::format("cannot listen on {}port {}: {}{}", secure ? "TLS " : "", port, cond.text(), hint));
  }
  endpoints.push_back(std::move(e));
}

void StorageScp::start() {
  auto& impl = *impl_;
  if (impl.listener.plain) impl.open(impl.listener.port, false);
  if (impl.listener.tls.enabled) impl.open(impl.listener.tls_port, true);
  for (auto& e : impl.endpoints) {
    e->acceptor = std::thread([&impl, endpoint = e.get()] { impl.accept_loop(*endpoint); });
    log::info("scp.listening", {{"port", e->port},
                                {"tls", e->secure},
                                {"verify_peer", e->secure && impl.listener.tls.verify_peer},
                                {"aet", impl.listener.ae_title},
                                {"max_associations", impl.listener.max_associations}});
  }
}

void StorageScp::request_stop() {
  if (impl_->stopping.exchange(true)) return;
  impl_->stop_deadline = Clock::now() + std::chrono::seconds(impl_->listener.shutdown_grace_s);
}

void StorageScp::wait() {
  for (auto& e : impl_->endpoints)
    if (e->acceptor.joinable()) e->acceptor.join();
  impl_->reap(true);
  for (auto& e : impl_->endpoints) {
    if (e->net) ASC_dropNetwork(&e->net);
    e->net = nullptr;
  }
}

int StorageScp::active_associations() const { return impl_->active.load(); }

void StorageScp::Impl::reap(bool all) {
  std::lock_guard lock(workers_mutex);
  for (auto it = workers.begin(); it != workers.end();) {
    if (all || it->done->load()) {
      it->thread.join();
      it = workers.erase(it);
    } else {
      ++it;
    }
  }
}

// A TLS handshake that failed (no certificate, one not trusted or expired, plain TCP to the TLS
// port...): logged and reported as a rejected association with the peer and the reason.
void StorageScp::Impl::handshake_failed(T_ASC_Association* assoc, const Endpoint& endpoint, const OFCondition& cond) {
  AssociationInfo info;
  info.tls = true;
  if (assoc && assoc->params) info.peer_host = assoc->params->DULparams.callingPresentationAddress;
  const auto& problem = last_verify_problem();
  const std::string reason =
      problem.empty() ? fmt::format("TLS handshake failed: {}", cond.text())
                      : fmt::format("TLS handshake failed: the caller's certificate was refused: {}", problem);
  log::warn("tls.handshake_failed", {{"port", endpoint.port}, {"peer", info.peer_host}, {"reason", reason}});
  handler.association_rejected(info, reason);
}

void StorageScp::Impl::accept_loop(Endpoint& endpoint) {
  while (!stopping.load()) {
    reap(false);
    T_ASC_Association* assoc = nullptr;
    clear_verify_problem();
    OFCondition cond = ASC_receiveAssociation(endpoint.net, &assoc, listener.max_pdu, nullptr, nullptr,
                                              endpoint.secure ? OFTrue : OFFalse, DUL_NOBLOCK, 1);
    if (cond == DUL_NOASSOCIATIONREQUEST) {
      if (assoc) ASC_destroyAssociation(&assoc);
      continue;
    }
    if (cond.bad()) {
      if (endpoint.secure && (cond.module() == OFM_dcmtls || !last_verify_problem().empty())) {
        handshake_failed(assoc, endpoint, cond);
      } else {
        log::warn("assoc.receive_failed", {{"port", endpoint.port}, {"error", cond.text()}});
      }
      if (assoc) {
        ASC_dropAssociation(assoc);
        ASC_destroyAssociation(&assoc);
      }
      continue;
    }
    AssociationInfo info;
    info.tls = endpoint.secure;
    if (endpoint.secure) info.peer_subject = peer_certificate_subject(assoc);
    info.peer_host = assoc->params->DULparams.callingPresentationAddress;
    char calling[64] = {0};
    char called[64] = {0};
    ASC_getAPTitles(assoc->params, calling, sizeof calling, called, sizeof called, nullptr, 0);
    info.calling_ae = calling;
    info.called_ae = called;
    if (active.load() >= listener.max_associations) {
      reject(assoc, ASC_RESULT_REJECTEDTRANSIENT, ASC_SOURCE_SERVICEPROVIDER_PRESENTATION_RELATED,
             ASC_REASON_SP_PRES_LOCALLIMITEXCEEDED);
      handler.association_rejected(info, "local limit exceeded");
      ASC_dropAssociation(assoc);
      ASC_destroyAssociation(&assoc);
      continue;
    }
    ++active;
    auto done = std::make_shared<std::atomic<bool>>(false);
    std::lock_guard lock(workers_mutex);
    workers.push_back({std::thread([this, assoc, info, done]() mutable {
                         try {
                           serve(assoc, std::move(info));
                         } catch (const std::exception& e) {
                           log::error("assoc.crashed", {{"error", e.what()}});
                         }
                         --active;
                         done->store(true);
                       }),
                       done});
  }
}

bool StorageScp::Impl::negotiate(T_ASC_Association* assoc, AssociationInfo& info) {
  char context[128] = {0};
  ASC_getApplicationContextName(assoc->params, context, sizeof context);
  auto refuse = [&](T_ASC_RejectParametersReason reason, const char* why) {
    reject(assoc, ASC_RESULT_REJECTEDPERMANENT, ASC_SOURCE_SERVICEUSER, reason);
    handler.association_rejected(info, why);
    return false;
  };
  if (std::string_view(context) != UID_StandardApplicationContext) {
    return refuse(ASC_REASON_SU_APPCONTEXTNAMENOTSUPPORTED, "application context name not supported");
  }
  if (security.check_called_ae && info.called_ae != listener.ae_title) {
    return refuse(ASC_REASON_SU_CALLEDAETITLENOTRECOGNIZED, "called AE title not recognized");
  }
  const auto& allowed = security.allowed_callers;
  if (!allowed.empty()) {
    const bool ok = std::any_of(allowed.begin(), allowed.end(), [&](const AllowedCaller& c) {
      return c.ae_title == info.calling_ae && (c.host.empty() || c.host == info.peer_host) &&
             (c.subject.empty() || (info.tls && c.subject == info.peer_subject));
    });
    if (!ok) {
      return refuse(ASC_REASON_SU_CALLINGAETITLENOTRECOGNIZED,
                    info.tls ? "calling AE title, host or certificate subject not allowed" : "calling AE title not recognized");
    }
  }
  OFCondition cond = ASC_acceptContextsWithPreferredTransferSyntaxes(assoc->params, echo_class, 1, echo_syntaxes,
                                                                     static_cast<int>(std::size(echo_syntaxes)));
  if (cond.good()) {
    cond = ASC_acceptContextsWithPreferredTransferSyntaxes(assoc->params, dcmAllStorageSOPClassUIDs,
                                                           numberOfDcmAllStorageSOPClassUIDs, storage_syntaxes,
                                                           static_cast<int>(std::size(storage_syntaxes)));
  }
  if (cond.bad()) {
    return refuse(ASC_REASON_SU_NOREASON, "presentation context negotiation failed");
  }
  if (ASC_countAcceptedPresentationContexts(assoc->params) == 0) {
    return refuse(ASC_REASON_SU_NOREASON, "no acceptable presentation context (SOP class or transfer syntax)");
  }
  cond = ASC_acknowledgeAssociation(assoc);
  if (cond.bad()) {
    handler.association_rejected(info, fmt::format("acknowledge failed: {}", cond.text()));
    return false;
  }
  return true;
}

void StorageScp::Impl::serve(T_ASC_Association* assoc, AssociationInfo info) {
  if (!negotiate(assoc, info)) {
    ASC_dropAssociation(assoc);
    ASC_destroyAssociation(&assoc);
    return;
  }
  info.id = handler.association_accepted(info);
  AssociationStats stats;
  std::string result = "released";
  auto last_activity = Clock::now();
  for (;;) {
    T_ASC_PresentationContextID pres_id = 0;
    T_DIMSE_Message msg{};
    OFCondition cond = DIMSE_receiveCommand(assoc, DIMSE_NONBLOCKING, 1, &pres_id, &msg, nullptr);
    if (cond == DIMSE_NODATAAVAILABLE) {
      const auto now = Clock::now();
      if (stopping.load() && now >= stop_deadline) {
        result = "aborted: node shutting down";
        ASC_abortAssociation(assoc);
        break;
      }
      if (now - last_activity > std::chrono::seconds(listener.dimse_timeout_s)) {
        result = "timeout";
        ASC_abortAssociation(assoc);
        break;
      }
      continue;
    }
    last_activity = Clock::now();
    if (cond == DUL_PEERREQUESTEDRELEASE) {
      ASC_acknowledgeRelease(assoc);
      break;
    }
    if (cond == DUL_PEERABORTEDASSOCIATION) {
      result = "aborted by peer";
      break;
    }
    if (cond.bad()) {
      result = fmt::format("aborted: {}", cond.text());
      ASC_abortAssociation(assoc);
      break;
    }
    if (msg.CommandField == DIMSE_C_ECHO_RQ) {
      DIMSE_sendEchoResponse(assoc, pres_id, &msg.msg.CEchoRQ, STATUS_Success, nullptr);
      ++stats.echoes;
    } else if (msg.CommandField == DIMSE_C_STORE_RQ) {
      handle_store(assoc, pres_id, msg.msg.CStoreRQ, info, stats);
    } else {
      result = fmt::format("aborted: unsupported command 0x{:04x}", static_cast<unsigned>(msg.CommandField));
      ASC_abortAssociation(assoc);
      break;
    }
  }
  handler.association_ended(info, stats, result);
  ASC_dropSCPAssociation(assoc);
  ASC_destroyAssociation(&assoc);
}

void StorageScp::Impl::handle_store(T_ASC_Association* assoc, T_ASC_PresentationContextID pres_id,
                                    T_DIMSE_C_StoreRQ& req, const AssociationInfo& info, AssociationStats& stats) {
  T_ASC_PresentationContext pc{};
  ASC_findAcceptedPresentationContext(assoc->params, pres_id, &pc);
  StoreAdmission admission = handler.admit_store(info, req.AffectedSOPClassUID, req.AffectedSOPInstanceUID);
  if (admission.accept && std::string_view(pc.abstractSyntax) != req.AffectedSOPClassUID) {
    handler.store_interrupted(info, admission.temp_file);
    admission = {false, {}, 0xA900, "SOP class differs from the presentation context"};
  }
  if (!admission.accept) {
    DIC_UL bytes = 0;
    DIC_UL pdvs = 0;
    OFCondition cond = DIMSE_ignoreDataSet(assoc, DIMSE_NONBLOCKING, listener.dimse_timeout_s, &bytes, &pdvs);
    if (cond.bad()) return;
    T_DIMSE_C_StoreRSP rsp{};
    rsp.MessageIDBeingRespondedTo = req.MessageID;
    OFStandard::strlcpy(rsp.AffectedSOPClassUID, req.AffectedSOPClassUID, sizeof rsp.AffectedSOPClassUID);
    OFStandard::strlcpy(rsp.AffectedSOPInstanceUID, req.AffectedSOPInstanceUID, sizeof rsp.AffectedSOPInstanceUID);
    rsp.opts = O_STORE_AFFECTEDSOPCLASSUID | O_STORE_AFFECTEDSOPINSTANCEUID;
    rsp.DataSetType = DIMSE_DATASET_NULL;
    rsp.DimseStatus = admission.status;
    DcmDataset detail;
    detail.putAndInsertString(DCM_ErrorComment, admission.error_comment.substr(0, 64).c_str());
    DIMSE_sendStoreResponse(assoc, pres_id, &req, &rsp, &detail);
    ++stats.stores_failed;
    return;
  }
  StoreCallbackContext ctx{&handler, &info, {}, {}, false, nullptr};
  ctx.store.sop_class_uid = req.AffectedSOPClassUID;
  ctx.store.sop_instance_uid = req.AffectedSOPInstanceUID;
  ctx.store.transfer_syntax_uid = pc.acceptedTransferSyntax;
  ctx.store.temp_file = admission.temp_file;
  const OFCondition cond = DIMSE_storeProvider(assoc, pres_id, &req, admission.temp_file.c_str(), 1, nullptr,
                                               store_callback, &ctx, DIMSE_NONBLOCKING, listener.dimse_timeout_s);
  delete ctx.status_detail;
  if (!ctx.completed) {
    handler.store_interrupted(info, admission.temp_file);
  }
  if (cond.bad() || !ctx.completed) {
    ++stats.stores_failed;
    log::warn("store.receive_failed", {{"assoc", info.id}, {"sop", ctx.store.sop_instance_uid},
                                       {"error", cond.bad() ? cond.text() : "incomplete"}});
    return;
  }
  if (ctx.outcome.status == STATUS_Success) {
    ++stats.stores_ok;
    stats.bytes += ctx.outcome.bytes;
  } else {
    ++stats.stores_failed;
  }
}

} // namespace osteon::dimse
