#pragma once
// Turns a finished job into result objects: the SR (and the SC when the pipeline rendered one)
// written into the spool, indexed like received instances, and queued for delivery to the
// profile's destinations. UIDs are derived from the source instance and the pipeline, so a job
// re-run after a crash produces the same objects and nothing is stored or sent twice.
#include <string>

#include "osteon/app/config.hpp"
#include "osteon/db/database.hpp"
#include "osteon/delivery/outbox.hpp"
#include "osteon/dicom/spool.hpp"
#include "osteon/jobs/analysis.hpp"

namespace osteon::app {

class ResultPublisher final : public jobs::ResultSink {
 public:
  ResultPublisher(const Config& config, dicom::Spool& spool, delivery::Outbox& outbox);

  /// Writes, indexes and queues the results of one finding (done or not-analysable).
  /// Throws osteon::Error when an object cannot be written (the job is then retried).
  void publish(db::Database& database, const jobs::PublishRequest& request,
               const pipelines::Finding& finding) override;

  /// This node's Device Observer UID: stable for an AE title and data directory.
  const std::string& device_uid() const { return device_uid_; }

 private:
  const Config& config_;
  dicom::Spool& spool_;
  delivery::Outbox& outbox_;
  std::string device_uid_;
};


} // namespace osteon::app
