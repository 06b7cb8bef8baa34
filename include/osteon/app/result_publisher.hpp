#pragma once
// Turns a finished job into result objects: the SR (and the SC when the pipeline rendered one)
// written into the spool, indexed like received instances, and queued for delivery to the
// profile's destinations. UIDs are derived from the source instance and the pipeline, so a job
// re-run after a crash produces the same objects and nothing is stored or sent twice.
#include <string>

#include "osteon/core/config.hpp"
#include "osteon/db/database.hpp"
#include "osteon/delivery/delivery_engine.hpp"
#include "osteon/dicom/spool.hpp"
#include "osteon/pipelines/pipeline.hpp"

namespace osteon::app {

struct PublishRequest {
  std::int64_t job_id = 0;
  std::string pipeline;
  const routing::Profile* profile = nullptr;
  std::filesystem::path source_file;
  InstanceAttributes source;
  std::string sender_calling_ae;  // who sent the source (for "sender" delivery)
};

class ResultPublisher {
 public:
  ResultPublisher(const Config& config, dicom::Spool& spool, delivery::DeliveryEngine& delivery);

  /// Writes, indexes and queues the results of one finding (done or not-analysable).
  /// Throws osteon::Error when an object cannot be written (the job is then retried).
  void publish(db::Database& database, const PublishRequest& request, const pipelines::Finding& finding);

  /// This node's Device Observer UID: stable for an AE title and data directory.
  const std::string& device_uid() const { return device_uid_; }

 private:
  const Config& config_;
  dicom::Spool& spool_;
  delivery::DeliveryEngine& delivery_;
  std::string device_uid_;
};

/// "2.25.<decimal of the first 128 bits of SHA-256(seed)>": a stable UUID-derived UID.
std::string derived_uid(std::string_view seed);

} // namespace osteon::app
