#include "osteon/app/ingest.hpp"

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "osteon/core/clock.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"
#include "osteon/core/metrics.hpp"
#include "osteon/core/sha256.hpp"
#include "osteon/db/retention_repository.hpp"
#include "osteon/dicom/attributes_reader.hpp"

namespace fs = std::filesystem;

namespace osteon::app {

namespace {
// Refusal statuses come from the one error table (core/error.cpp).
constexpr std::uint16_t status_success = 0x0000;
const std::uint16_t status_out_of_resources = info(Errc::out_of_resources).dimse_status;
const std::uint16_t status_mismatch = info(Errc::dicom_mismatch).dimse_status;

db::AssociationStart association_start(const dimse::AssociationInfo& info, std::string at) {
  return {info.peer_host, info.calling_ae, info.called_ae, std::move(at), info.tls ? "tls" : "tcp", info.peer_subject};
}

// An audit event whose actor is the calling node of `info`.
db::AuditEvent by_caller(const dimse::AssociationInfo& info, db::AuditCode event, std::optional<db::AuditCode> type,
                         char action, int outcome, std::string outcome_text = {}) {
  db::AuditEvent e;
  e.at = utc_timestamp();
  e.event = event;
  e.type = type;
  e.action = action;
  e.outcome = outcome;
  e.outcome_text = std::move(outcome_text);
  e.actor = info.calling_ae;
  e.actor_host = info.peer_host;
  e.actor_subject = info.peer_subject;
  return e;
}
} // namespace

Ingest::Ingest(const Config& config, db::Database& database, dicom::Spool& spool, const routing::Router* router,
               std::function<void()> job_queued)
    : config_(config),
      database_(database),
      spool_(spool),
      router_(router),
      job_queued_(std::move(job_queued)),
      repository_(database) {}

std::int64_t Ingest::association_accepted(const dimse::AssociationInfo& info) {
  std::int64_t id = 0;
  {
    std::lock_guard lock(db_mutex_);
    id = repository_.start_association(association_start(info, utc_timestamp()));
  }
  log::info("assoc.accepted", {{"assoc", id}, {"peer", info.peer_host}, {"calling", info.calling_ae},
                               {"called", info.called_ae}, {"tls", info.tls}, {"subject", info.peer_subject}});
  metrics::add("osteon_associations_total", {{"calling_ae", info.calling_ae}, {"result", "accepted"}});
  auto e = by_caller(info, db::audit::user_authentication, db::audit::login, 'E', db::audit::success);
  e.detail = fmt::format("association {} accepted, called {}, over {}", id, info.called_ae, info.tls ? "TLS" : "TCP");
  audit(e);
  {
    std::lock_guard lock(uid_mutex_);
    auto open = Open{info, utc_timestamp(), std::chrono::steady_clock::now()};
    open.info.id = id;
    open_[id] = std::move(open);
  }
  return id;
}

void Ingest::association_rejected(const dimse::AssociationInfo& info, std::string_view reason) {
  const std::string now = utc_timestamp();
  try {
    std::lock_guard lock(db_mutex_);
    const auto id = repository_.start_association(association_start(info, now));
    repository_.end_association(id, {now, 0, 0, 0, 0, fmt::format("rejected: {}", reason)});
  } catch (const std::exception& e) {
    log::error("db.write_failed", {{"what", "association"}, {"error", e.what()}});
  }
  log::warn("assoc.rejected", {{"peer", info.peer_host}, {"calling", info.calling_ae}, {"called", info.called_ae},
                               {"tls", info.tls}, {"subject", info.peer_subject}, {"reason", reason}});
  metrics::add("osteon_associations_total", {{"calling_ae", info.calling_ae}, {"result", "rejected"}});
  // A caller the node would not authenticate (allow-list, TLS certificate): a security alert.
  auto e = by_caller(info, db::audit::security_alert, db::audit::node_authentication, 'E', db::audit::minor_failure,
                     std::string(reason));
  e.detail = fmt::format("association rejected, called {}, over {}", info.called_ae, info.tls ? "TLS" : "TCP");
  audit(e);
}

void Ingest::association_ended(const dimse::AssociationInfo& info, const dimse::AssociationStats& stats,
                               std::string_view result) {
  try {
    std::lock_guard lock(db_mutex_);
    repository_.end_association(info.id, {utc_timestamp(), stats.echoes, stats.stores_ok, stats.stores_failed,
                                          stats.bytes, std::string(result)});
  } catch (const std::exception& e) {
    log::error("db.write_failed", {{"what", "association"}, {"error", e.what()}});
  }
  log::info("assoc.ended", {{"assoc", info.id}, {"result", result}, {"echoes", stats.echoes},
                            {"stored", stats.stores_ok}, {"failed", stats.stores_failed}, {"bytes", stats.bytes}});
  std::lock_guard lock(uid_mutex_);
  if (const auto it = open_.find(info.id); it != open_.end()) {
    metrics::observe("osteon_association_duration_seconds", {},
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - it->second.started).count());
    open_.erase(it);
  }
}

dimse::StoreAdmission Ingest::admit_store(const dimse::AssociationInfo& info, std::string_view /*sop_class_uid*/,
                                          std::string_view sop_instance_uid) {
  dimse::StoreAdmission refusal{false, {}, status_out_of_resources, {}};
  if (in_flight_.fetch_add(1) >= config_.storage.max_in_flight) {
    --in_flight_;
    refusal.error_comment = "node busy: too many stores in flight";
  } else {
    std::int64_t free_bytes = 0;
    try {
      free_bytes = spool_.free_bytes();
    } catch (const Error& e) {
      log::error("spool.statvfs_failed", {{"error", e.what()}});
    }
    const std::int64_t min_free = config_.storage.min_free_mb * 1024 * 1024;
    if (space_low_ && free_bytes < high_water_bytes_) space_low_();
    // Below the refusal threshold with retention on: give the purger a moment to make room for
    // this store before refusing it (it deletes what nothing needs, oldest first).
    for (int waited = 0; space_low_ && free_bytes < min_free && waited < 40; ++waited) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      try {
        free_bytes = spool_.free_bytes();
      } catch (const Error&) {
        break;
      }
    }
    if (free_bytes < min_free) {
      --in_flight_;
      refusal.error_comment = "disk space below the configured minimum";
      if (space_why_) {
        if (const auto why = space_why_(); !why.empty()) refusal.error_comment += "; " + why;
      }
    } else {
      return {true, spool_.new_temp_path(), 0, {}};
    }
  }
  log::warn("store.refused", {{"assoc", info.id}, {"sop", sop_instance_uid}, {"status", fmt::format("0x{:04X}", refusal.status)},
                              {"reason", refusal.error_comment}});
  auto e = by_caller(info, db::audit::instances_transferred, std::nullopt, 'C', db::audit::minor_failure,
                     fmt::format("refused (0x{:04X}): {}", refusal.status, refusal.error_comment));
  e.sop_instance_uid = std::string(sop_instance_uid);
  audit(e);
  metrics::add("osteon_cstore_total", {{"status", fmt::format("{:04X}", refusal.status)}, {"calling_ae", info.calling_ae}});
  return refusal;
}

void Ingest::on_space_low(std::int64_t high_water_bytes, std::function<void()> wake, std::function<std::string()> why) {
  high_water_bytes_ = high_water_bytes;
  space_low_ = std::move(wake);
  space_why_ = std::move(why);
}

std::vector<Ingest::OpenAssociation> Ingest::open_associations() const {
  std::lock_guard lock(uid_mutex_);
  std::vector<OpenAssociation> out;
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [id, o] : open_) {
    out.push_back({id, o.info.peer_host, o.info.calling_ae, o.info.called_ae, o.started_at,
                   std::chrono::duration<double>(now - o.started).count()});
  }
  return out;
}

void Ingest::store_interrupted(const dimse::AssociationInfo& /*info*/, const fs::path& temp_file) {
  std::error_code ec;
  fs::remove(temp_file, ec);
  --in_flight_;
}

void Ingest::store_progress(const dimse::AssociationInfo& /*info*/, const fs::path& temp_file) {
  spool_.start_writeback(temp_file);  // the disk writes while the rest arrives
}

dimse::StoreOutcome Ingest::complete_store(const dimse::AssociationInfo& info, const dimse::ReceivedStore& store) {
  const auto start = std::chrono::steady_clock::now();
  dimse::StoreOutcome outcome;
  try {
    outcome = persist(info, store);
  } catch (const Error& e) {
    outcome = {e.dimse_status(), e.what(), 0};
  } catch (const std::exception& e) {
    outcome = {osteon::info(Errc::internal).dimse_status, e.what(), 0};
  }
  std::error_code ec;
  fs::remove(store.temp_file, ec);  // gone already after a commit; removes what was refused
  --in_flight_;
  metrics::add("osteon_cstore_total", {{"status", fmt::format("{:04X}", outcome.status)}, {"calling_ae", info.calling_ae}});
  if (outcome.status == status_success) {
    metrics::add("osteon_received_bytes_total", {{"calling_ae", info.calling_ae}}, static_cast<double>(outcome.bytes));
    metrics::observe("osteon_ingest_seconds", {}, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    log::info("store.ok", {{"assoc", info.id}, {"sop", store.sop_instance_uid}, {"bytes", outcome.bytes},
                           {"ts", store.transfer_syntax_uid}, {"ms", elapsed_ms(start)}});
  } else {
    log::warn("store.failed", {{"assoc", info.id}, {"sop", store.sop_instance_uid},
                               {"status", fmt::format("0x{:04X}", outcome.status)}, {"reason", outcome.error_comment}});
    auto e = by_caller(info, db::audit::instances_transferred, std::nullopt, 'C', db::audit::minor_failure,
                       fmt::format("not stored (0x{:04X}): {}", outcome.status, outcome.error_comment));
    e.sop_instance_uid = store.sop_instance_uid;
    audit(e);
  }
  return outcome;
}

dimse::StoreOutcome Ingest::persist(const dimse::AssociationInfo& info, const dimse::ReceivedStore& store) {
  spool_.start_writeback(store.temp_file);  // the disk writes while we parse and hash
  const InstanceAttributes attrs = dicom::read_attributes(store.temp_file);
  if (attrs.sop_class_uid != store.sop_class_uid) {
    return {status_mismatch, "SOP Class UID in data set differs from the command", 0};
  }
  if (attrs.sop_instance_uid != store.sop_instance_uid) {
    return {status_mismatch, "SOP Instance UID in data set differs from the command", 0};
  }
  lock_uid(attrs.sop_instance_uid);
  struct Unlock {
    Ingest* self;
    const std::string& uid;
    ~Unlock() { self->unlock_uid(uid); }
  } unlock{this, attrs.sop_instance_uid};

  {
    std::lock_guard lock(db_mutex_);
    if (repository_.contains(attrs.sop_instance_uid)) {
      // A duplicate is acknowledged and not stored again, also when retention has purged the
      // first copy: the image was analysed and its results delivered (README "Storage retention").
      const auto purged = db::RetentionRepository(database_).purged_at(attrs.sop_instance_uid);
      log::info("store.duplicate", {{"assoc", info.id}, {"sop", attrs.sop_instance_uid},
                                    {"purged_at", purged.value_or("")}});
      auto e = by_caller(info, db::audit::instances_transferred, std::nullopt, 'C', db::audit::success,
                         purged ? "already stored and analysed; its file was purged by retention at " + *purged +
                                      ": not stored again"
                                : std::string("already stored: not stored again"));
      e.study_uid = attrs.study_uid;
      e.sop_instance_uid = attrs.sop_instance_uid;
      e.patient_id = attrs.patient_id;
      db::AuditRepository(database_).append(e);
      return {status_success, {}, 0};
    }
  }
  db::StoredInstance row;
  row.attributes = attrs;
  row.attributes.transfer_syntax_uid = store.transfer_syntax_uid;
  row.size_bytes = static_cast<std::int64_t>(fs::file_size(store.temp_file));
  row.sha256 = sha256_file(store.temp_file);
  row.calling_ae = info.calling_ae;
  row.association_id = info.id;
  row.received_at = utc_timestamp();
  row.path = dicom::Spool::relative_path(attrs);
  row.audit = by_caller(info, db::audit::instances_transferred, std::nullopt, 'C', db::audit::success);
  row.audit->study_uid = attrs.study_uid;
  row.audit->sop_instance_uid = attrs.sop_instance_uid;
  row.audit->patient_id = attrs.patient_id;
  row.audit->destination = fmt::format("{} (this node)", info.called_ae);
  row.audit->detail = fmt::format("association {}, SOP class {}", info.id, attrs.sop_class_uid);
  if (router_) {
    const auto decision = router_->route({attrs, info.calling_ae, info.called_ae});
    row.routing = decision.summary();
    if (decision.profile) row.job = db::JobRequest{decision.profile->pipeline, decision.profile->id};
    log::info("route", {{"sop", attrs.sop_instance_uid},
                        {"profile", decision.profile ? decision.profile->id : std::string("none")},
                        {"why", row.routing}});
  }
  spool_.commit(store.temp_file, row.path);
  try {
    std::lock_guard lock(db_mutex_);
    repository_.insert(row);
  } catch (...) {
    // Never leave a file in place that the index does not know.
    std::error_code ec;
    fs::remove(spool_.data_dir() / row.path, ec);
    throw;
  }
  if (row.job && job_queued_) job_queued_();
  return {status_success, {}, row.size_bytes};
}

void Ingest::audit(const db::AuditEvent& event) {
  try {
    std::lock_guard lock(db_mutex_);
    db::AuditRepository(database_).append(event);
  } catch (const std::exception& e) {
    log::error("audit.write_failed", {{"event", event.event.meaning}, {"error", e.what()}});
  }
}

void Ingest::lock_uid(const std::string& uid) {
  std::unique_lock lock(uid_mutex_);
  uid_cv_.wait(lock, [&] { return !uids_in_progress_.contains(uid); });
  uids_in_progress_.insert(uid);
}

void Ingest::unlock_uid(const std::string& uid) {
  {
    std::lock_guard lock(uid_mutex_);
    uids_in_progress_.erase(uid);
  }
  uid_cv_.notify_all();
}

} // namespace osteon::app
