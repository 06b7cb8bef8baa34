// The API's routes. Listings share one shape: {"items": [...], "limit", "offset", "count"}.
#include "osteon/admin/api.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>

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
#include "osteon/dicom/attributes_reader.hpp"
#include "osteon/routing/decision_json.hpp"
#include "osteon/imaging/decoder.hpp"
#include "osteon/imaging/geometry.hpp"
#include "osteon/imaging/png.hpp"
#include "osteon/results/sr_reader.hpp"

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

// One CSV field: quoted when it holds a comma, quote or line break; a leading = + - @ is
// neutralised with ' so that a spreadsheet does not run it as a formula.
std::string csv_field(const db::Value& v) {
  if (std::holds_alternative<std::monostate>(v)) return "";
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  std::string text = std::get<std::string>(v);
  if (!text.empty() && std::string_view("=+-@").find(text.front()) != std::string_view::npos) text.insert(0, "'");
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

Response csv(const db::Table& table, std::string_view name) {
  Response r;
  r.content_type = "text/csv; charset=utf-8";
  r.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"{}.csv\"", name));
  for (std::size_t c = 0; c < table.columns.size(); ++c) r.body += (c ? "," : "") + csv_field(table.columns[c]);
  r.body += "\r\n";
  for (const auto& row : table.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) r.body += (c ? "," : "") + csv_field(row[c]);
    r.body += "\r\n";
  }
  return r;
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

// GET <path>: one page of what `query(database, request, page)` lists, as JSON or, with
// ?format=csv, as a CSV file.
template <typename Query>
void add_listing(Router& router, const std::string& path, const std::shared_ptr<Connections>& readers, Query query) {
  router.add("GET", path, [readers, query, name = path.substr(path.rfind('/') + 1)](const Request& r) {
    const auto page = page_of(r);
    const auto format = r.get("format").value_or("json");
    if (format != "json" && format != "csv") throw Error(Errc::invalid_argument, "'format' must be json or csv");
    return readers->with([&](db::Database& d) {
      const auto table = query(d, r, page);
      return format == "csv" ? csv(table, name) : listing(table, page);
    });
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
    for (const auto& m : view.models) models.push_back(model_json(m));
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
  // A result object the node wrote: an SR as its content tree (JSON), an SC as a PNG.
  router.add("GET", "/api/v1/results/{uid}", [&view, readers](const Request& r) {
    const auto stored = readers->with([&](db::Database& d) { return db::InstanceRepository(d).find(r.param("uid")); });
    if (!stored || stored->routing.rfind("result of job ", 0) != 0)
      throw Error(Errc::not_found, fmt::format("no result object {}", r.param("uid")));
    const auto file = view.data_dir / stored->path;
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
