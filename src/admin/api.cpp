// The API's routes. Listings share one shape: {"items": [...], "limit", "offset", "count"}.
#include "osteon/admin/api.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "osteon/core/clock.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"
#include "osteon/core/metrics.hpp"
#include "osteon/db/instance_repository.hpp"
#include "osteon/db/job_repository.hpp"
#include "osteon/db/migrations.hpp"
#include "osteon/db/outbox_repository.hpp"
#include "osteon/db/pause_repository.hpp"
#include "osteon/db/table_json.hpp"
#include "osteon/imaging/decoder.hpp"
#include "osteon/imaging/geometry.hpp"
#include "osteon/imaging/png.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace osteon::admin {

namespace {

Response json_response(const json& body, int status = 200) {
  Response r;
  r.status = status;
  r.body = body.dump();
  return r;
}

// Connections to the node's database, one per request being served, kept for the next request.
// Reads use read-only connections (WAL: they never block ingest); admin actions a writer.
class Connections {
 public:
  Connections(fs::path database, db::Database::Mode mode) : database_(std::move(database)), mode_(mode) {}

  template <typename Fn>
  auto with(Fn&& fn) {
    std::unique_ptr<db::Database> connection;
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        connection = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!connection) connection = std::make_unique<db::Database>(database_, mode_);
    auto result = fn(*connection);
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(connection));
    return result;
  }

 private:
  fs::path database_;
  db::Database::Mode mode_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<db::Database>> idle_;
};

struct Page {
  int limit;
  int offset;
};

Page page_of(const Request& r) {
  return {static_cast<int>(r.integer("limit", 100, 1, 1000)), static_cast<int>(r.integer("offset", 0, 0, 1'000'000'000))};
}

Response listing(const db::Table& table, Page page) {
  return json_response({{"items", db::rows_json(table)},
                        {"limit", page.limit},
                        {"offset", page.offset},
                        {"count", table.rows.size()}});
}

// One row, or Error(not_found) "<what> <key> not found".
Response single(const db::Table& table, std::string_view what, std::string_view key) {
  if (table.rows.empty()) throw Error(Errc::not_found, fmt::format("{} {} not found", what, key));
  return json_response(db::rows_json(table).at(0));
}

// YYYY-MM-DD, the date filters of every listing.
std::optional<std::string> date(const Request& r, std::string_view name) {
  auto v = r.get(name);
  if (v && (v->size() != 10 || (*v)[4] != '-' || (*v)[7] != '-'))
    throw Error(Errc::invalid_argument, fmt::format("'{}' must be a date YYYY-MM-DD", name));
  return v;
}

db::Filter instance_filter(const Request& r, Page page) {
  db::Filter f;
  f.study_uid = r.get("study");
  f.series_uid = r.get("series");
  f.modality = r.get("modality");
  f.body_part = r.get("body_part");
  f.calling_ae = r.get("calling_ae");
  f.patient_id = r.get("patient_id");
  f.accession_number = r.get("accession");
  f.received_from = date(r, "from");
  f.received_to = date(r, "to");
  f.limit = page.limit;
  f.offset = page.offset;
  return f;
}

db::JobFilter job_filter(const Request& r, Page page) {
  db::JobFilter f;
  f.state = r.get("state");
  f.pipeline = r.get("pipeline");
  f.study_uid = r.get("study");
  f.sop_instance_uid = r.get("instance");
  f.limit = page.limit;
  f.offset = page.offset;
  return f;
}

std::string iso_utc(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Can a file be created in the spool's temporary directory?
std::optional<std::string> spool_problem(const fs::path& data_dir) {
  const fs::path probe = data_dir / "spool" / ".tmp" / fmt::format("readyz-{}", ::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fmt::format("the spool is not writable ({})", probe.parent_path().string());
  ::close(fd);
  ::unlink(probe.c_str());
  return std::nullopt;
}

// GET <path>: one page of what `query(database, request, page)` lists.
template <typename Query>
void add_listing(Router& router, const std::string& path, const std::shared_ptr<Connections>& readers, Query query) {
  router.add("GET", path, [readers, query](const Request& r) {
    const auto page = page_of(r);
    return readers->with([&](db::Database& d) { return listing(query(d, r, page), page); });
  });
}

} // namespace

void add_api(Router& router, const NodeView& view) {
  auto readers = std::make_shared<Connections>(view.database, db::Database::Mode::read_only);
  auto writers = std::make_shared<Connections>(view.database, db::Database::Mode::read_write);

  router.add("GET", "/healthz", [](const Request&) { return json_response({{"status", "alive"}}); });

  router.add("GET", "/readyz", [&view, readers](const Request&) {
    json reasons = json::array();
    try {
      readers->with([](db::Database& d) {
        db::require_schema(d);
        return 0;
      });
    } catch (const std::exception& e) {
      reasons.push_back(fmt::format("database: {}", e.what()));
    }
    if (const auto why = spool_problem(view.data_dir)) reasons.push_back(*why);
    try {
      const auto free = view.free_bytes();
      if (free < view.min_free_bytes)
        reasons.push_back(fmt::format("free disk {} MB is below storage.min_free_mb ({} MB)", free >> 20,
                                      view.min_free_bytes >> 20));
    } catch (const std::exception& e) {
      reasons.push_back(fmt::format("free disk: {}", e.what()));
    }
    for (const auto& p : view.pipelines)
      if (!p.available) reasons.push_back(fmt::format("pipeline {} unavailable: {}", p.name, p.reason));
    const bool ready = reasons.empty();
    return json_response({{"ready", ready}, {"reasons", reasons}}, ready ? 200 : 503);
  });

  router.add("GET", "/api/v1/system", [&view, readers](const Request&) {
    json models = json::array();
    for (const auto& m : view.models)
      models.push_back({{"name", m.name}, {"version", m.version}, {"sha256", m.sha256}, {"device", m.device}});
    const auto pauses = readers->with([](db::Database& d) { return db::PauseRepository(d).list(); });
    const auto paused = [&](std::string_view kind, std::string_view name) -> std::optional<std::string> {
      for (const auto& p : pauses)
        if (p.kind == kind && p.name == name) return p.paused_at;
      return std::nullopt;
    };
    json pipelines = json::array();
    for (const auto& p : view.pipelines) {
      const auto since = paused("pipeline", p.name);
      pipelines.push_back({{"name", p.name},
                           {"state", since ? "paused" : p.available ? "running" : "unavailable"},
                           {"paused_at", since ? json(*since) : json(nullptr)},
                           {"reason", p.available ? json(nullptr) : json(p.reason)}});
    }
    json destinations = json::array();
    for (const auto& d : view.destinations) {
      const auto since = paused("destination", d.name);
      destinations.push_back({{"name", d.name}, {"ae_title", d.ae_title}, {"host", d.host}, {"port", d.port},
                              {"tls", d.tls}, {"state", since ? "paused" : "running"},
                              {"paused_at", since ? json(*since) : json(nullptr)}});
    }
    const auto now = std::chrono::system_clock::now();
    std::error_code ec;
    return json_response({
        {"version", view.version},
        {"ae_title", view.ae_title},
        {"ports", {{"dicom", view.dicom_port}, {"http", view.http_port}}},
        {"started_at", iso_utc(view.started)},
        {"uptime_s", std::chrono::duration_cast<std::chrono::seconds>(now - view.started).count()},
        {"data_dir", fs::absolute(view.data_dir, ec).string()},
        {"free_disk_bytes", view.free_bytes()},
        {"min_free_bytes", view.min_free_bytes},
        {"models", models},
        {"pipelines", pipelines},
        {"destinations", destinations},
        {"note", "The models are trained on synthetic phantoms: results are not for primary diagnosis."},
    });
  });

  // Prometheus scrape: the process's counters and histograms, and gauges read now.
  router.add("GET", "/metrics", [&view, readers](const Request&) {
    readers->with([&](db::Database& d) {
      std::vector<std::pair<metrics::Labels, double>> queued;
      const auto jobs = db::JobRepository(d).counts();
      for (const auto& p : view.pipelines) {  // every pipeline, 0 when nothing waits
        double n = 0;
        for (const auto& row : jobs.rows)
          if (std::get<std::string>(row[0]) == p.name && std::get<std::string>(row[1]) == "queued")
            n = static_cast<double>(std::get<std::int64_t>(row[2]));
        queued.push_back({{{"pipeline", p.name}}, n});
      }
      metrics::replace("osteon_queue_depth", queued);
      std::vector<std::pair<metrics::Labels, double>> outbox;
      for (const auto& row : db::OutboxRepository(d).counts().rows) {
        const auto& state = std::get<std::string>(row[1]);
        if (state == "delivered") continue;
        outbox.push_back({{{"destination", std::get<std::string>(row[0])}, {"state", state}},
                          static_cast<double>(std::get<std::int64_t>(row[2]))});
      }
      metrics::replace("osteon_outbox", outbox);
      return 0;
    });
    std::error_code ec;
    std::uintmax_t db_bytes = 0;
    for (const char* suffix : {"", "-wal"}) {
      const auto size = fs::file_size(fs::path(view.database.string() + suffix), ec);
      if (!ec) db_bytes += size;
    }
    metrics::set("osteon_database_bytes", {}, static_cast<double>(db_bytes));
    metrics::set("osteon_free_disk_bytes", {}, static_cast<double>(view.free_bytes()));
    metrics::set("osteon_uptime_seconds", {},
                 std::chrono::duration<double>(std::chrono::system_clock::now() - view.started).count());
    metrics::set("osteon_build_info", {{"version", view.version}}, 1);
    Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics::render();
    return r;
  });

  router.add("GET", "/api/v1/stats", [readers](const Request&) {
    return readers->with([](db::Database& d) { return json_response(db::rows_json(db::InstanceRepository(d).stats()).at(0)); });
  });

  add_listing(router, "/api/v1/studies", readers, [](db::Database& d, const Request& r, Page page) {
    return db::InstanceRepository(d).studies(instance_filter(r, page));
  });
  router.add("GET", "/api/v1/studies/{uid}", [readers](const Request& r) {
    return readers->with([&](db::Database& d) {
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
      return json_response(out);
    });
  });
  add_listing(router, "/api/v1/series", readers, [](db::Database& d, const Request& r, Page page) {
    return db::InstanceRepository(d).series(instance_filter(r, page));
  });
  add_listing(router, "/api/v1/instances", readers, [](db::Database& d, const Request& r, Page page) {
    return db::InstanceRepository(d).instances(instance_filter(r, page));
  });
  router.add("GET", "/api/v1/instances/{uid}", [readers](const Request& r) {
    return readers->with([&](db::Database& d) {
      db::Filter f;
      f.sop_instance_uid = r.param("uid");
      auto rows = db::rows_json(db::InstanceRepository(d).instances(f));
      if (rows.empty()) throw Error(Errc::not_found, fmt::format("instance {} not found", r.param("uid")));
      db::JobFilter jf;
      jf.sop_instance_uid = r.param("uid");
      json out = rows.at(0);
      out["jobs"] = db::rows_json(db::JobRepository(d).jobs(jf));
      out["findings"] = db::rows_json(db::JobRepository(d).findings(jf));
      return json_response(out);
    });
  });
  // The image as the node sees it (presentation values: VOI applied), downscaled, as PNG.
  router.add("GET", "/api/v1/instances/{uid}/preview.png", [&view, readers](const Request& r) {
    const int size = static_cast<int>(r.integer("size", 512, 16, 2048));
    const auto stored = readers->with([&](db::Database& d) { return db::InstanceRepository(d).find(r.param("uid")); });
    if (!stored) throw Error(Errc::not_found, fmt::format("instance {} not found", r.param("uid")));
    auto image = imaging::decode_file(view.data_dir / stored->path);
    const double scale = std::min(1.0, static_cast<double>(size) / std::max(image.rows(), image.cols()));
    if (scale < 1.0) {
      image = imaging::resize(image, std::max(1, static_cast<int>(image.rows() * scale)),
                              std::max(1, static_cast<int>(image.cols() * scale)));
    }
    const auto png = imaging::encode_png(image);
    Response out;
    out.content_type = "image/png";
    out.body.assign(png.begin(), png.end());
    return out;
  });
  add_listing(router, "/api/v1/associations", readers, [](db::Database& d, const Request& r, Page page) {
    return db::InstanceRepository(d).associations(instance_filter(r, page));
  });

  add_listing(router, "/api/v1/jobs", readers, [](db::Database& d, const Request& r, Page page) {
    return db::JobRepository(d).jobs(job_filter(r, page));
  });
  router.add("GET", "/api/v1/jobs/{id}", [readers](const Request& r) {
    return readers->with([&](db::Database& d) {
      db::JobFilter f;
      f.id = r.param("id");
      return single(db::JobRepository(d).jobs(f), "job", r.param("id"));
    });
  });
  add_listing(router, "/api/v1/findings", readers, [](db::Database& d, const Request& r, Page page) {
    return db::JobRepository(d).findings(job_filter(r, page));
  });

  // Admin actions: re-runs, retries, pauses. Each answers what it changed.
  router.add("POST", "/api/v1/jobs/{id}/rerun", [writers](const Request& r) {
    return writers->with([&](db::Database& d) {
      db::JobFilter f;
      f.id = r.param("id");
      db::JobRepository jobs(d);
      if (jobs.jobs(f).rows.empty()) throw Error(Errc::not_found, fmt::format("job {} not found", r.param("id")));
      const int n = jobs.rerun(f);
      if (n == 0) throw Error(Errc::invalid_argument, fmt::format("job {} is queued or running already", r.param("id")));
      return json_response({{"rerun", n}});
    });
  });
  router.add("POST", "/api/v1/jobs/rerun", [writers](const Request& r) {
    auto f = job_filter(r, {1, 0});
    if (!f.state && !f.pipeline && !f.study_uid && !f.sop_instance_uid)
      throw Error(Errc::invalid_argument, "a bulk re-run needs a filter (state, pipeline, study or instance)");
    return writers->with([&](db::Database& d) { return json_response({{"rerun", db::JobRepository(d).rerun(f)}}); });
  });
  router.add("POST", "/api/v1/deliveries/{id}/retry", [writers](const Request& r) {
    return writers->with([&](db::Database& d) {
      db::OutboxFilter f;
      f.id = r.param("id");
      db::OutboxRepository outbox(d);
      if (outbox.list(f).rows.empty()) throw Error(Errc::not_found, fmt::format("delivery {} not found", r.param("id")));
      const int n = outbox.retry(f);
      if (n == 0) throw Error(Errc::invalid_argument, fmt::format("delivery {} has not failed", r.param("id")));
      return json_response({{"retried", n}});
    });
  });
  router.add("POST", "/api/v1/deliveries/retry", [writers](const Request& r) {
    db::OutboxFilter f;
    f.destination = r.get("destination");
    f.study_uid = r.get("study");
    return writers->with([&](db::Database& d) { return json_response({{"retried", db::OutboxRepository(d).retry(f)}}); });
  });
  for (const auto& [kind, plural] : {std::pair<std::string, std::string>{"pipeline", "pipelines"}, {"destination", "destinations"}}) {
    for (const bool pause : {true, false}) {
      const auto path = fmt::format("/api/v1/{}/{{name}}/{}", plural, pause ? "pause" : "resume");
      router.add("POST", path, [&view, writers, kind, pause](const Request& r) {
        const auto& name = r.param("name");
        const bool known = kind == "pipeline"
                               ? std::any_of(view.pipelines.begin(), view.pipelines.end(), [&](const auto& p) { return p.name == name; })
                               : name == "sender" || std::any_of(view.destinations.begin(), view.destinations.end(),
                                                                 [&](const auto& d) { return d.name == name; });
        if (!known) throw Error(Errc::not_found, fmt::format("no {} named '{}'", kind, name));
        return writers->with([&](db::Database& d) {
          db::PauseRepository pauses(d);
          const bool changed = pause ? pauses.pause(kind, name, utc_timestamp()) : pauses.resume(kind, name);
          log::info(pause ? "admin.paused" : "admin.resumed", {{"kind", kind}, {"name", name}, {"changed", changed}});
          return json_response({{kind, name}, {"paused", pause}, {"changed", changed}});
        });
      });
    }
  }

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
