#include "osteon/app/result_publisher.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "osteon/core/clock.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"
#include "osteon/core/sha256.hpp"
#include "osteon/core/uid.hpp"
#include "osteon/db/instance_repository.hpp"
#include "osteon/dicom/attributes_reader.hpp"
#include "osteon/results/gsps_writer.hpp"
#include "osteon/results/sc_writer.hpp"
#include "osteon/results/sr_writer.hpp"

namespace fs = std::filesystem;

namespace osteon::app {

ResultPublisher::ResultPublisher(const Config& config, dicom::Spool& spool, delivery::Outbox& outbox)
    : config_(config), spool_(spool), outbox_(outbox) {
  std::error_code ec;
  const auto dir = fs::weakly_canonical(config.node.data_dir, ec);
  device_uid_ = derived_uid(fmt::format("osteon-device|{}|{}", config.node.ae_title, dir.string()));
}

void ResultPublisher::publish(db::Database& database, const jobs::PublishRequest& req, const pipelines::Finding& finding) {
  if (!finding.result) return;  // nothing to report (a pipeline that produced no typed result)
  results::ResultContext ctx;
  ctx.source_file = req.source_file;
  ctx.source = req.source_dicom;
  ctx.device.uid = device_uid_;
  ctx.device.name = config_.node.ae_title;
  ctx.device.serial_number = device_uid_.substr(device_uid_.size() - 12);
  ctx.algorithm.name = finding.model_name.empty() ? req.pipeline : finding.model_name;
  ctx.algorithm.version = finding.model_version.empty() ? "0" : finding.model_version;
  if (!finding.model_sha256.empty()) ctx.algorithm.parameters.push_back("model sha256 " + finding.model_sha256);
  if (const auto domain = pipelines::describe_domain(finding.domain); !domain.empty())
    ctx.algorithm.parameters.push_back(domain);
  if (req.profile) {
    if (auto cls = results::parse_sr_class(req.profile->sr_class)) ctx.sr_class = *cls;
  }
  // Stable UIDs: the n-th UID asked for by the writers for this (source, pipeline).
  auto counter = std::make_shared<int>(0);
  const std::string seed = fmt::format("{}|{}", req.source.sop_instance_uid, req.pipeline);
  ctx.new_uid = [seed, counter] { return derived_uid(fmt::format("{}|{}", seed, (*counter)++)); };
  ctx.sr_series.series_uid = derived_uid(fmt::format("{}|{}|sr-series", req.source.study_uid, req.pipeline));
  ctx.sc_series.series_uid = derived_uid(fmt::format("{}|{}|sc-series", req.source.study_uid, req.pipeline));
  ctx.gsps_series.series_uid = derived_uid(fmt::format("{}|{}|gsps-series", req.source.study_uid, req.pipeline));
  ctx.window = finding.display_window;
  const auto kind = results::kind_of(*finding.result);

  // Every object is written and indexed here; the profile says which of them each destination
  // gets. (The UIDs come from a counter, so the writing order stays SC, SR, GSPS.)
  struct Written {
    fs::path tmp;
    std::string kind;  // sr, sc, gsps
  };
  std::vector<Written> written;
  std::optional<results::ObjectReference> sc;
  if (finding.illustration) {
    const auto tmp = spool_.new_temp_path();
    sc = results::write_sc(ctx, kind, *finding.illustration, tmp);
    written.push_back({tmp, "sc"});
  }
  const auto sr_tmp = spool_.new_temp_path();
  const auto sr = results::write_sr(ctx, *finding.result, sr_tmp, sc);
  written.push_back({sr_tmp, "sr"});
  // The GSPS is an extra: a source it cannot apply to (colour) gets none, and a failure to write it
  // is logged without costing the SR and SC.
  std::optional<results::ObjectReference> gsps;
  const auto gsps_tmp = spool_.new_temp_path();
  try {
    gsps = results::write_gsps(ctx, *finding.result, gsps_tmp);
  } catch (const Error& e) {
    log::warn("results.gsps_failed", {{"job", req.job_id}, {"pipeline", req.pipeline}, {"error", e.what()}});
  }
  if (gsps) written.push_back({gsps_tmp, "gsps"});
  else {
    std::error_code ignored;
    fs::remove(gsps_tmp, ignored);
  }

  db::InstanceRepository repo(database);
  std::vector<std::pair<std::string, delivery::ResultObject>> objects;
  for (const auto& [tmp, object_kind] : written) {
    InstanceAttributes a = dicom::read_attributes(tmp);
    db::StoredInstance row;
    row.attributes = a;
    row.routing = fmt::format("result of job {} ({})", req.job_id, req.pipeline);
    row.size_bytes = static_cast<std::int64_t>(fs::file_size(tmp));
    row.sha256 = sha256_file(tmp);
    row.calling_ae = config_.node.ae_title;
    row.received_at = utc_timestamp();
    row.path = dicom::Spool::relative_path(a);
    row.derived_from = req.source.sop_instance_uid;
    if (repo.contains(a.sop_instance_uid)) {
      fs::remove(tmp);  // a re-run of the same job: the object is already stored
    } else {
      spool_.commit(tmp, row.path);
      repo.insert(row);
    }
    objects.push_back({object_kind, {a.sop_instance_uid, a.sop_class_uid, a.study_uid, row.path}});
  }
  std::vector<std::string> destinations = req.profile ? req.profile->destinations : std::vector<std::string>{};
  for (const auto& destination : destinations) {
    const auto& wanted = req.profile->objects_to(destination);
    std::vector<delivery::ResultObject> chosen;
    for (const auto& [object_kind, object] : objects)
      if (std::find(wanted.begin(), wanted.end(), object_kind) != wanted.end()) chosen.push_back(object);
    if (chosen.empty()) continue;
    outbox_.enqueue(database, chosen, {destination}, req.sender_calling_ae, delivery::sr_class_order(req.profile->sr_class));
  }
  log::info("results.published", {{"job", req.job_id}, {"pipeline", req.pipeline}, {"sr", sr.sop_instance_uid},
                                  {"sc", sc ? sc->sop_instance_uid : std::string("none")},
                                  {"gsps", gsps ? gsps->sop_instance_uid : std::string("none")},
                                  {"destinations", static_cast<std::int64_t>(destinations.size())}});
}

} // namespace osteon::app
