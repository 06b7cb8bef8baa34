// The API's reads of what the node holds: studies, series, instances (with a preview), result
// objects, associations, jobs with their timelines, findings, deliveries, and the counts.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "api_support.hpp"
#include "osteon/core/clock.hpp"
#include "osteon/core/error.hpp"
#include "osteon/db/outbox_repository.hpp"
#include "osteon/db/retention_repository.hpp"
#include "osteon/db/table_json.hpp"
#include "osteon/imaging/decoder.hpp"
#include "osteon/imaging/geometry.hpp"
#include "osteon/imaging/png.hpp"
#include "osteon/results/gsps_reader.hpp"
#include "osteon/results/sr_reader.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace osteon::admin {

namespace {

// The file of an instance retention has deleted: a clear 404, not a decoding error.
void throw_if_purged(Connections& readers, const std::string& uid) {
  const auto purged = readers.with([&](db::Database& d) { return db::RetentionRepository(d).purged_at(uid); });
  if (purged) throw Error(Errc::not_found, fmt::format("instance {} was purged by retention at {}; its row and findings stay", uid, *purged));
}

json job_with_timeline(db::Database& d, const std::string& id) {
  db::JobFilter jf;
  jf.id = id;
  db::JobRepository jobs(d);
  const auto rows = db::rows_json(jobs.jobs(jf));
  if (rows.empty()) throw Error(Errc::not_found, fmt::format("job {} not found", id));
  json job = rows.at(0);
  db::InstanceRepository instances(d);
  db::Filter source;
  source.sop_instance_uid = job["sop_instance_uid"].get<std::string>();
  json events = json::array();
  const auto event = [&](const json& at, std::string what, json detail) {
    if (!at.is_null()) events.push_back({{"at", at}, {"event", std::move(what)}, {"detail", std::move(detail)}});
  };
  for (const auto& i : db::rows_json(instances.instances(source))) {
    event(i["received_at"], "received", fmt::format("from {}", i["calling_ae"].get<std::string>()));
    event(i["received_at"], "routed", i["routing"]);
  }
  event(job["created_at"], "queued", job["pipeline"]);
  json stages = json::object();
  if (job["timings"].is_string() && !job["timings"].get<std::string>().empty())
    stages = json::parse(job["timings"].get<std::string>(), nullptr, false);
  event(job["started_at"], "running", {{"attempt", job["attempts"]}, {"stages_ms", stages}});
  event(job["finished_at"], job["state"].get<std::string>(), job["reason"]);
  const auto findings = db::rows_json(jobs.findings(jf));
  for (const auto& f : findings) event(f["created_at"], "finding", f["summary"]);
  db::Filter results;
  results.result_of_job = id;
  db::OutboxRepository outbox(d);
  for (const auto& o : db::rows_json(instances.instances(results))) {
    event(o["received_at"], "result stored", {{"sop_instance_uid", o["sop_instance_uid"]}, {"modality", o["modality"]}});
    db::OutboxFilter of;
    of.sop_instance_uid = o["sop_instance_uid"].get<std::string>();
    for (const auto& delivery : db::rows_json(outbox.list(of))) {
      // Queued, with where it stands now (pending, sending, failed: attempts and the last error).
      event(delivery["created_at"], "delivery queued",
            {{"id", delivery["id"]}, {"destination", delivery["destination"]}, {"state", delivery["state"]},
             {"attempts", delivery["attempts"]}, {"last_error", delivery["last_error"]}});
      event(delivery["delivered_at"], "delivered",
            {{"id", delivery["id"]}, {"destination", delivery["destination"]}, {"sent_as", delivery["sent_as"]}});
    }
  }
  std::stable_sort(events.begin(), events.end(), [](const json& a, const json& b) { return a["at"] < b["at"]; });
  job["findings"] = findings;
  job["timeline"] = events;
  return job;
}

// A string field of a row, "" when it is absent or null.
std::string text_of(const json& row, const char* key) {
  const auto it = row.find(key);
  return it != row.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The nearest-rank percentile `q` (0..1) of `values` (sorted here); null when there are none.
json percentile(std::vector<double>& values, double q) {
  if (values.empty()) return nullptr;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
  return std::round(values[std::clamp<std::size_t>(rank, 1, values.size()) - 1]);
}

// The last `minutes` minute by minute (the current one last): images received, jobs settled by
// outcome, and the end-to-end latency (receipt to settled) of those jobs; then per pipeline.
json activity(db::Database& d, int minutes) {
  using namespace std::chrono;
  const auto first = floor<std::chrono::minutes>(system_clock::now()) - std::chrono::minutes(minutes - 1);
  const auto since = utc_timestamp(first);
  struct Minute {
    std::int64_t received = 0, done = 0, not_analysable = 0, failed = 0;
    std::vector<double> latencies;
  };
  std::map<std::string, Minute> by_minute;
  for (int i = 0; i < minutes; ++i) by_minute[utc_timestamp(first + std::chrono::minutes(i)).substr(0, 16)];
  for (const auto& row : db::InstanceRepository(d).received_per_minute(since).rows)
    by_minute[std::get<std::string>(row[0])].received = std::get<std::int64_t>(row[1]);
  struct Pipeline {
    std::int64_t settled = 0, failed = 0;
    std::vector<double> latencies;
  };
  std::map<std::string, Pipeline> by_pipeline;
  constexpr int kMaxJobs = 200000;  // bounds the work of one request on a very busy node
  const auto settled = db::JobRepository(d).settled_since(since, kMaxJobs);
  for (const auto& row : settled.rows) {
    auto& m = by_minute[std::get<std::string>(row[0])];
    const auto& state = std::get<std::string>(row[2]);
    (state == "done" ? m.done : state == "failed" ? m.failed : m.not_analysable)++;
    auto& p = by_pipeline[std::get<std::string>(row[1])];
    p.settled++;
    p.failed += state == "failed";
    if (const auto* ms = std::get_if<double>(&row[3])) {
      m.latencies.push_back(*ms);
      p.latencies.push_back(*ms);
    }
  }
  json buckets = json::array();
  for (auto& [minute, m] : by_minute) {
    buckets.push_back({{"minute", minute + ":00Z"}, {"received", m.received}, {"done", m.done},
                       {"not_analysable", m.not_analysable}, {"failed", m.failed},
                       {"latency_p50_ms", percentile(m.latencies, 0.5)}, {"latency_p95_ms", percentile(m.latencies, 0.95)}});
  }
  json pipelines = json::array();
  for (auto& [name, p] : by_pipeline) {
    pipelines.push_back({{"pipeline", name}, {"settled", p.settled}, {"failed", p.failed},
                         {"latency_p50_ms", percentile(p.latencies, 0.5)}, {"latency_p95_ms", percentile(p.latencies, 0.95)}});
  }
  return {{"since", since}, {"minutes", minutes}, {"buckets", buckets}, {"pipelines", pipelines},
          {"truncated", settled.rows.size() >= static_cast<std::size_t>(kMaxJobs)}};
}

} // namespace

void add_record_routes(Router& router, const NodeView& view, const std::shared_ptr<Connections>& readers,
                       const std::shared_ptr<Connections>& writers) {
  router.add("GET", "/api/v1/stats", [readers](const Request&) {
    return readers->with([](db::Database& d) { return json_response(db::rows_json(db::InstanceRepository(d).stats()).at(0)); });
  });

  // Throughput and latency minute by minute, for the overview's charts.
  router.add("GET", "/api/v1/stats/activity", [readers](const Request& r) {
    const int minutes = static_cast<int>(r.integer("minutes", 60, 1, 1440));
    return readers->with([&](db::Database& d) { return json_response(activity(d, minutes)); });
  });

  add_listing(router, "/api/v1/studies", readers, [](db::Database& d, const Request& r, Page page) {
    return db::InstanceRepository(d).studies(instance_filter(r, page));
  }, writers);
  router.add("GET", "/api/v1/studies/{uid}", [readers, writers](const Request& r) {
    auto study_json = readers->with([&](db::Database& d) {
      db::Filter f;
      f.study_uid = r.param("uid");
      db::InstanceRepository repo(d);
      auto study = db::rows_json(repo.studies(f));
      if (study.empty()) throw Error(Errc::not_found, fmt::format("study {} not found", r.param("uid")));
      db::JobFilter jf;
      jf.study_uid = r.param("uid");
      json out = study.at(0);
      out["series"] = db::rows_json(repo.series(f));
      out["instances"] = db::rows_json(repo.instances(f));
      out["jobs"] = db::rows_json(db::JobRepository(d).jobs(jf));
      return out;
    });
    audit(*writers, r, db::audit::instances_accessed, 'R', "study read through the console",
          {r.param("uid"), "", text_of(study_json, "patient_id")});
    return json_response(study_json);
  });
  add_listing(router, "/api/v1/series", readers, [](db::Database& d, const Request& r, Page page) {
    return db::InstanceRepository(d).series(instance_filter(r, page));
  }, writers);
  add_listing(router, "/api/v1/instances", readers, [](db::Database& d, const Request& r, Page page) {
    return db::InstanceRepository(d).instances(instance_filter(r, page));
  }, writers);
  router.add("GET", "/api/v1/instances/{uid}", [readers, writers](const Request& r) {
    auto instance_json = readers->with([&](db::Database& d) {
      db::Filter f;
      f.sop_instance_uid = r.param("uid");
      auto rows = db::rows_json(db::InstanceRepository(d).instances(f));
      if (rows.empty()) throw Error(Errc::not_found, fmt::format("instance {} not found", r.param("uid")));
      db::JobFilter jf;
      jf.sop_instance_uid = r.param("uid");
      json out = rows.at(0);
      out["jobs"] = db::rows_json(db::JobRepository(d).jobs(jf));
      out["findings"] = db::rows_json(db::JobRepository(d).findings(jf));
      return out;
    });
    audit(*writers, r, db::audit::instances_accessed, 'R', "instance read through the console",
          {text_of(instance_json, "study_uid"), r.param("uid"), text_of(instance_json, "patient_id")});
    return json_response(instance_json);
  });
  // The image as the node sees it (presentation values: VOI applied), downscaled, as PNG.
  router.add("GET", "/api/v1/instances/{uid}/preview.png", [&view, readers, writers](const Request& r) {
    const int size = static_cast<int>(r.integer("size", 512, 16, 2048));
    const auto stored = readers->with([&](db::Database& d) { return db::InstanceRepository(d).find(r.param("uid")); });
    if (!stored) throw Error(Errc::not_found, fmt::format("instance {} not found", r.param("uid")));
    throw_if_purged(*readers, r.param("uid"));
    auto image = imaging::decode_file(view.data_dir / stored->path);
    const double scale = std::min(1.0, static_cast<double>(size) / std::max(image.rows(), image.cols()));
    if (scale < 1.0) {
      image = imaging::resize(image, std::max(1, static_cast<int>(image.rows() * scale)),
                              std::max(1, static_cast<int>(image.cols() * scale)));
    }
    const auto png = imaging::encode_png(image);
    audit(*writers, r, db::audit::instances_accessed, 'R', "image preview shown in the console",
          {stored->attributes.study_uid, r.param("uid"), stored->attributes.patient_id});
    Response out;
    out.content_type = "image/png";
    out.body.assign(png.begin(), png.end());
    return out;
  });
  // A result object the node wrote: an SR as its content tree (JSON), an SC as a PNG.
  router.add("GET", "/api/v1/results/{uid}", [&view, readers, writers](const Request& r) {
    const auto stored = readers->with([&](db::Database& d) { return db::InstanceRepository(d).find(r.param("uid")); });
    if (!stored || stored->routing.rfind("result of job ", 0) != 0)
      throw Error(Errc::not_found, fmt::format("no result object {}", r.param("uid")));
    audit(*writers, r, db::audit::instances_accessed, 'R', fmt::format("result object ({}) read through the console", stored->attributes.modality),
          {stored->attributes.study_uid, r.param("uid"), stored->attributes.patient_id});
    throw_if_purged(*readers, r.param("uid"));
    const auto file = view.data_dir / stored->path;
    if (stored->attributes.modality == "PR") {
      // A presentation state has no pixels: what it draws on the analysed image, by layer.
      const auto g = results::read_gsps(file);
      json graphics = json::array(), texts = json::array();
      for (const auto& o : g.graphics)
        graphics.push_back({{"layer", o.layer}, {"type", o.type}, {"units", o.units}, {"points", o.data.size() / 2},
                            {"data", o.data}});
      for (const auto& t : g.texts) texts.push_back({{"layer", t.layer}, {"text", t.text}});
      return json_response({{"sop_instance_uid", r.param("uid")}, {"routing", stored->routing},
                            {"note", "Trained on synthetic phantoms: not for primary diagnosis."},
                            {"label", g.label}, {"description", g.description},
                            {"applies_to", g.referenced_sop_instance}, {"layers", g.layers},
                            {"graphics", graphics}, {"texts", texts}});
    }
    if (stored->attributes.modality != "SR") {
      const auto png = imaging::encode_png(imaging::decode_display(file));
      Response out;
      out.content_type = "image/png";
      out.body.assign(png.begin(), png.end());
      return out;
    }
    // Nested by level: each item's children under "content".
    json root = json::array();
    std::vector<json*> parents{&root};
    for (const auto& item : results::read_sr_items(file)) {
      parents.resize(static_cast<std::size_t>(std::max(1, item.level)));
      auto& siblings = *parents.back();
      siblings.push_back({{"relationship", item.relationship}, {"value_type", item.value_type},
                          {"concept", item.concept_name}, {"value", item.value}, {"content", json::array()}});
      parents.push_back(&siblings.back()["content"]);
    }
    return json_response({{"sop_instance_uid", r.param("uid")}, {"routing", stored->routing},
                          {"note", "Trained on synthetic phantoms: not for primary diagnosis."},
                          {"content", root}});
  });

  // The associations open right now (the listing below has the recorded ones).
  router.add("GET", "/api/v1/associations/open", [&view](const Request&) {
    json items = json::array();
    if (view.open_associations) {
      for (const auto& a : view.open_associations()) {
        items.push_back({{"id", a.id}, {"peer_host", a.peer_host}, {"calling_ae", a.calling_ae},
                         {"called_ae", a.called_ae}, {"started_at", a.started_at}, {"open_s", a.seconds}});
      }
    }
    return json_response({{"items", items}, {"count", items.size()}});
  });
  add_listing(router, "/api/v1/associations", readers, [](db::Database& d, const Request& r, Page page) {
    return db::InstanceRepository(d).associations(instance_filter(r, page));
  });

  add_listing(router, "/api/v1/jobs", readers, [](db::Database& d, const Request& r, Page page) {
    return db::JobRepository(d).jobs(job_filter(r, page));
  });
  // A job with its timeline: received -> routed -> queued -> run (stage timings) -> settled ->
  // each result object -> each delivery of it.
  router.add("GET", "/api/v1/jobs/{id}", [readers](const Request& r) {
    return readers->with([&](db::Database& d) { return json_response(job_with_timeline(d, r.param("id"))); });
  });
  add_listing(router, "/api/v1/findings", readers, [](db::Database& d, const Request& r, Page page) {
    return db::JobRepository(d).findings(job_filter(r, page));
  }, writers);

  // The audit trail, newest first (reading it is audited too); admins only.
  add_listing(router, "/api/v1/audit", readers, [](db::Database& d, const Request& r, Page page) {
    db::AuditFilter f;
    f.event_id = r.get("event");
    f.actor = r.get("actor");
    f.study_uid = r.get("study");
    f.from = date(r, "from");
    f.to = date(r, "to");
    if (r.get("failures")) f.failures = "1";
    f.limit = page.limit;
    f.offset = page.offset;
    return db::AuditRepository(d).list(f);
  }, writers, Access::admin);

  add_listing(router, "/api/v1/deliveries", readers, [](db::Database& d, const Request& r, Page page) {
    db::OutboxFilter f;
    f.state = r.get("state");
    f.destination = r.get("destination");
    f.study_uid = r.get("study");
    f.limit = page.limit;
    f.offset = page.offset;
    return db::OutboxRepository(d).list(f);
  });
  router.add("GET", "/api/v1/deliveries/{id}", [readers](const Request& r) {
    return readers->with([&](db::Database& d) {
      db::OutboxFilter f;
      f.id = r.param("id");
      return single(db::OutboxRepository(d).list(f), "delivery", r.param("id"));
    });
  });
}

} // namespace osteon::admin
