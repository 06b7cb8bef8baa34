// The API's routes about the node itself: health, readiness, system, metrics, routing test,
// C-ECHO, models. Listings share one shape: {"items": [...], "limit", "offset", "count"}.
#include "osteon/admin/api.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "api_support.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"
#include "osteon/core/metrics.hpp"
#include "osteon/db/migrations.hpp"
#include "osteon/db/outbox_repository.hpp"
#include "osteon/db/pause_repository.hpp"
#include "osteon/db/table_json.hpp"
#include "osteon/dicom/attributes_reader.hpp"
#include "osteon/routing/decision_json.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace osteon::admin {

namespace {

json model_json(const ModelStatus& m) {
  return {{"name", m.name},   {"version", m.version},         {"task", m.task},
          {"sha256", m.sha256}, {"device", m.device},         {"training_data", m.training_data},
          {"intended_use", m.intended_use}};
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

} // namespace

void add_api(Router& router, const NodeView& view) {
  auto readers = std::make_shared<Connections>(view.database, db::Database::Mode::read_only);
  auto writers = std::make_shared<Connections>(view.database, db::Database::Mode::read_write);
  add_node_routes(router, view, readers);
  add_record_routes(router, view, readers, writers);
  add_action_routes(router, view, writers);
}

void add_node_routes(Router& router, const NodeView& view, const std::shared_ptr<Connections>& readers) {

  router.add("GET", "/healthz", [](const Request&) { return json_response({{"status", "alive"}}); }, Access::open);

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
      if (free < view.min_free_bytes) {
        std::string why = fmt::format("free disk {} MB is below storage.min_free_mb ({} MB)", free >> 20,
                                      view.min_free_bytes >> 20);
        if (view.retention_status) {
          if (const auto r = view.retention_status(); !r.empty()) why += "; " + r;
        }
        reasons.push_back(why);
      }
    } catch (const std::exception& e) {
      reasons.push_back(fmt::format("free disk: {}", e.what()));
    }
    for (const auto& p : view.pipelines)
      if (!p.available) reasons.push_back(fmt::format("pipeline {} unavailable: {}", p.name, p.reason));
    const bool ready = reasons.empty();
    return json_response({{"ready", ready}, {"reasons", reasons}}, ready ? 200 : 503);
  }, Access::open);

  router.add("GET", "/api/v1/system", [&view, readers](const Request&) {
    json models = json::array();
    for (const auto& m : view.models) models.push_back(model_json(m));
    struct Read {
      std::vector<db::Pause> pauses;
      db::Table jobs, outbox;
    };
    const auto read = readers->with([](db::Database& d) {
      return Read{db::PauseRepository(d).list(), db::JobRepository(d).counts(), db::OutboxRepository(d).counts()};
    });
    const auto& pauses = read.pauses;
    // How many rows of a (name, state, count) table have this name and state.
    const auto count = [](const db::Table& t, std::string_view name, std::string_view state) -> std::int64_t {
      for (const auto& row : t.rows)
        if (std::get<std::string>(row[0]) == name && std::get<std::string>(row[1]) == state) return std::get<std::int64_t>(row[2]);
      return 0;
    };
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
                           {"reason", p.available ? json(nullptr) : json(p.reason)},
                           {"queued", count(read.jobs, p.name, "queued")},
                           {"running", count(read.jobs, p.name, "running")},
                           {"failed", count(read.jobs, p.name, "failed")}});
    }
    json destinations = json::array();
    for (const auto& d : view.destinations ? view.destinations() : std::vector<DestinationView>{}) {
      const auto since = paused("destination", d.name);
      destinations.push_back({{"name", d.name}, {"ae_title", d.ae_title}, {"host", d.host}, {"port", d.port},
                              {"tls", d.tls}, {"state", since ? "paused" : "running"},
                              {"paused_at", since ? json(*since) : json(nullptr)},
                              {"pending", count(read.outbox, d.name, "pending") + count(read.outbox, d.name, "sending")},
                              {"failed", count(read.outbox, d.name, "failed")}});
    }
    const auto now = std::chrono::system_clock::now();
    std::error_code ec;
    json retention = nullptr;
    if (view.retention) {
      const auto r = view.retention();
      retention = {{"bytes", {{"pending", r.pending}, {"kept", r.kept}, {"purgeable", r.purgeable}, {"purged", r.purged}}},
                   {"next_purge_at", r.next_purge_at.empty() ? json(nullptr) : json(r.next_purge_at)},
                   {"last_purged_at", r.last_purged_at.empty() ? json(nullptr) : json(r.last_purged_at)},
                   {"status", r.status}};
    }
    return json_response({
        {"version", view.version},
        {"ae_title", view.ae_title},
        {"ports", {{"dicom", view.dicom_port}, {"dicom_tls", view.dicom_tls_port}, {"http", view.http_port}}},
        {"started_at", iso_utc(view.started)},
        {"uptime_s", std::chrono::duration_cast<std::chrono::seconds>(now - view.started).count()},
        {"data_dir", fs::absolute(view.data_dir, ec).string()},
        {"free_disk_bytes", view.free_bytes()},
        {"min_free_bytes", view.min_free_bytes},
        {"retention", retention},
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

  // What the node's router would do with a DICOM file (the body): osteonctl route, over HTTP.
  router.add("POST", "/api/v1/route", [&view](const Request& r) {
    if (view.router == nullptr) throw Error(Errc::not_found, "this node has no routing profiles");
    if (r.body.empty()) throw Error(Errc::invalid_argument, "send the DICOM file (Part 10) as the request body");
    static std::atomic<std::uint64_t> counter{0};
    const fs::path temp = view.data_dir / "spool" / ".tmp" / fmt::format("route-{}-{}.dcm", ::getpid(), counter++);
    struct Remove {
      const fs::path& file;
      ~Remove() {
        std::error_code ec;
        fs::remove(file, ec);
      }
    } remove{temp};
    {
      std::ofstream out(temp, std::ios::binary);
      out.write(r.body.data(), static_cast<std::streamsize>(r.body.size()));
      if (!out.flush()) throw Error(Errc::io_error, "cannot write the uploaded file to the spool");
    }
    routing::RoutingInput in;
    in.attributes = dicom::read_attributes(temp);
    in.calling_ae = r.get("calling_ae").value_or("UNKNOWN");
    in.called_ae = r.get("called_ae").value_or(view.ae_title);
    auto out = routing::decision_json(view.router->route(in));
    out["calling_ae"] = in.calling_ae;
    out["called_ae"] = in.called_ae;
    return json_response(out);
  });

  // The routing profiles, highest priority first: what each matches and where its results go.
  router.add("GET", "/api/v1/routing/profiles", [&view](const Request&) {
    json items = json::array();
    if (view.router != nullptr)
      for (const auto& p : *view.router->profiles()) items.push_back(routing::profile_json(p));
    return json_response({{"items", items}, {"count", items.size()}});
  });

  // C-ECHO to a destination, as its deliveries would reach it: the answer and the round trip.
  router.add("POST", "/api/v1/destinations/{name}/echo", [&view](const Request& r) {
    if (!view.echo) throw Error(Errc::not_found, "this node has no destinations");
    const auto start = std::chrono::steady_clock::now();
    const auto [ok, detail] = view.echo(r.param("name"));
    const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    log::info("admin.echo", {{"destination", r.param("name")}, {"ok", ok}, {"ms", ms}});
    return json_response({{"destination", r.param("name")}, {"ok", ok}, {"detail", detail}, {"round_trip_ms", ms}});
  });

  router.add("GET", "/api/v1/models", [&view](const Request&) {
    json models = json::array();
    for (const auto& m : view.models) models.push_back(model_json(m));
    return json_response({{"items", models}, {"count", models.size()}});
  });
  // A model: its manifest's facts and its model card (markdown).
  router.add("GET", "/api/v1/models/{name}", [&view](const Request& r) {
    const auto it = std::find_if(view.models.begin(), view.models.end(), [&](const auto& m) { return m.name == r.param("name"); });
    if (it == view.models.end()) throw Error(Errc::not_found, fmt::format("no model named '{}'", r.param("name")));
    auto out = model_json(*it);
    std::ifstream card(it->card);
    std::ostringstream text;
    text << card.rdbuf();
    out["card"] = text.str();
    return json_response(out);
  });
}

} // namespace osteon::admin
