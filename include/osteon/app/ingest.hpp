#pragma once
// Ingest: what the node does with associations and received data sets. Implements the durability
// contract: Success only after the file is fsync'd, renamed into place and its row committed.
#include <chrono>
#include <condition_variable>
#include <map>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "osteon/app/config.hpp"
#include "osteon/db/database.hpp"
#include "osteon/db/instance_repository.hpp"
#include "osteon/dicom/spool.hpp"
#include "osteon/dimse/storage_scp.hpp"
#include "osteon/routing/router.hpp"

namespace osteon::app {

class Ingest : public dimse::ScpHandler {
 public:
  /// `router` (may be null: store only) decides which pipeline gets each new instance; the job
  /// is created in the same transaction as the instance, then `job_queued` is called.
  Ingest(const Config& config, db::Database& database, dicom::Spool& spool,
         const routing::Router* router = nullptr, std::function<void()> job_queued = {});

  std::int64_t association_accepted(const dimse::AssociationInfo& info) override;
  void association_rejected(const dimse::AssociationInfo& info, std::string_view reason) override;
  void association_ended(const dimse::AssociationInfo& info, const dimse::AssociationStats& stats,
                         std::string_view result) override;
  dimse::StoreAdmission admit_store(const dimse::AssociationInfo& info, std::string_view sop_class_uid,
                                    std::string_view sop_instance_uid) override;
  void store_progress(const dimse::AssociationInfo& info, const std::filesystem::path& temp_file) override;
  dimse::StoreOutcome complete_store(const dimse::AssociationInfo& info, const dimse::ReceivedStore& store) override;
  void store_interrupted(const dimse::AssociationInfo& info, const std::filesystem::path& temp_file) override;

  /// The associations open now (the admin console's live view).
  struct OpenAssociation {
    std::int64_t id = 0;
    std::string peer_host, calling_ae, called_ae, started_at;
    double seconds = 0;
  };
  std::vector<OpenAssociation> open_associations() const;

  /// Below `high_water_bytes` of free space each C-STORE calls `wake` (retention's purger); a
  /// refusal for disk space adds `why` (the purger's status) to its reason.
  void on_space_low(std::int64_t high_water_bytes, std::function<void()> wake, std::function<std::string()> why);

 private:
  std::int64_t high_water_bytes_ = 0;
  std::function<void()> space_low_;
  std::function<std::string()> space_why_;
  dimse::StoreOutcome persist(const dimse::AssociationInfo& info, const dimse::ReceivedStore& store);
  /// Appends to the audit trail (its failure is logged, never fatal to a store).
  void audit(const db::AuditEvent& event);
  void lock_uid(const std::string& uid);
  void unlock_uid(const std::string& uid);

  const Config& config_;
  db::Database& database_;
  dicom::Spool& spool_;
  const routing::Router* router_;
  std::function<void()> job_queued_;
  std::mutex db_mutex_;
  db::InstanceRepository repository_;
  std::atomic<int> in_flight_{0};
  mutable std::mutex uid_mutex_;
  std::condition_variable uid_cv_;
  std::set<std::string> uids_in_progress_;
  struct Open {
    dimse::AssociationInfo info;
    std::string started_at;  // UTC
    std::chrono::steady_clock::time_point started;
  };
  std::map<std::int64_t, Open> open_;  // associations open now, under uid_mutex_
};

} // namespace osteon::app
