#include "osteon/app/node.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <fstream>
#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "osteon/admin/api.hpp"
#include "osteon/admin/auth.hpp"
#include "osteon/admin/http_server.hpp"
#include "osteon/admin/web.hpp"
#include "osteon/app/audit_forwarder.hpp"
#include "osteon/app/ingest.hpp"
#include "osteon/app/purger.hpp"
#include "osteon/app/result_publisher.hpp"
#include "osteon/app/service_manager.hpp"
#include "osteon/delivery/outbox.hpp"
#include "osteon/jobs/analysis.hpp"
#include "osteon/jobs/engine.hpp"
#include "osteon/inference/registry.hpp"
#include "osteon/inference/scheduler.hpp"
#include "osteon/inference/torch_backend.hpp"
#include "osteon/pipelines/factory.hpp"
#include "osteon/core/clock.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"
#include "osteon/db/audit_repository.hpp"
#include "osteon/db/migrations.hpp"

namespace fs = std::filesystem;

namespace osteon::app {

namespace {

// One node per data directory: an exclusive flock held for the life of the process.
class DataDirLock {
 public:
  explicit DataDirLock(const fs::path& dir) {
    const fs::path file = dir / "osteon.lock";
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd_ < 0) throw Error(Errc::io_error, fmt::format("cannot open {}", file.string()));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw Error(Errc::io_error,
                  fmt::format("{} is in use by another osteon process (lock {})", dir.string(), file.string()));
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0) {
      [[maybe_unused]] auto n = ::write(fd_, pid.data(), pid.size());
    }
  }
  ~DataDirLock() { ::close(fd_); }
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  int fd_ = -1;
};

void recover(const Config& config, db::Database& database, dicom::Spool& spool) {
  const fs::path marker = config.node.data_dir / "clean-shutdown";
  const int temps = spool.clean_temp();
  db::InstanceRepository repo(database);
  const int interrupted = repo.close_interrupted_associations(utc_timestamp());
  const bool clean = fs::exists(marker);
  if (!clean) {
    log::info("spool.reconcile.start", {{"reason", "previous run did not stop cleanly (or first start)"}});
    const auto report = spool.reconcile(repo.all_paths());
    log::info("spool.reconcile.done", {{"files", report.files_checked}, {"orphans_removed", report.orphan_files_removed},
                                       {"missing", static_cast<std::int64_t>(report.missing_files.size())}});
    for (const auto& missing : report.missing_files) log::error("spool.file_missing", {{"path", missing}});
  }
  if (temps > 0 || interrupted > 0) {
    log::warn("node.recovered", {{"partial_files_removed", temps}, {"associations_interrupted", interrupted}});
  }
  std::error_code ec;
  fs::remove(marker, ec);
}

// The inference runtime and the pipelines built on it. A missing models directory or model
// leaves its pipeline unavailable (its jobs wait and say why); a broken model stops start-up.
struct Analysis {
  inference::Registry registry;
  std::shared_ptr<inference::Scheduler> scheduler;
  std::map<std::string, jobs::PipelineSlot> slots;
};

std::unique_ptr<Analysis> make_analysis(const Config& config) {
  auto a = std::make_unique<Analysis>();
  inference::InferenceSettings s;
  s.models_dir = config.inference.models_dir;
  s.device = inference::parse_device_choice(config.inference.device);
  s.intra_op_threads = config.inference.threads;
  s.allow_missing = config.inference.allow_missing;
  if (fs::is_directory(s.models_dir)) {
    a->registry = inference::Registry::load(s, inference::torch_model_loader(s));
  } else {
    log::warn("inference.no_models", {{"models_dir", s.models_dir.string()}});
  }
  a->scheduler = std::make_shared<inference::Scheduler>(a->registry, s);
  for (auto& [name, pipeline] : pipelines::make_pipelines(a->scheduler, a->registry, s.models_dir)) {
    if (const auto why = pipeline->unavailable_reason()) log::warn("pipeline.unavailable", {{"pipeline", name}, {"reason", *why}});
    a->slots[name] = {pipeline, config.inference.pipeline_concurrency};
  }
  return a;
}

std::vector<routing::Profile> load_routing(const Config& config) {
  auto profiles = routing::load_configured(config.routing);
  for (const auto& p : profiles) {
    log::info("routing.profile", {{"id", p.id}, {"pipeline", p.pipeline}, {"priority", p.priority}, {"source", p.source}});
  }
  return profiles;
}

// What the admin console shows about this node, fixed at start-up.
admin::NodeView node_view(const Config& config, const Analysis& analysis, dicom::Spool& spool,
                          const routing::Router& router, const delivery::Outbox& outbox) {
  admin::NodeView v;
  v.router = &router;
  v.echo = [&outbox](const std::string& name) {
    const auto outcome = outbox.echo(name);
    return std::pair<bool, std::string>{outcome.result == dimse::SendResult::delivered,
                                        outcome.result == dimse::SendResult::delivered
                                            ? outcome.detail
                                            : dimse::to_string(outcome.result) + ": " + outcome.detail};
  };
  v.version = OSTEON_VERSION;
  v.ae_title = config.node.ae_title;
  v.dicom_port = config.node.plain ? config.node.port : 0;
  v.dicom_tls_port = config.node.tls.enabled ? config.node.tls_port : 0;
  v.http_port = config.http.port;
  v.data_dir = config.node.data_dir;
  v.database = db::database_path(config.node.data_dir);
  v.min_free_bytes = config.storage.min_free_mb * 1024 * 1024;
  for (const auto& model : analysis.registry.available_models()) {
    const auto& m = model->manifest();
    v.models.push_back({m.name, m.version, m.task, m.sha256, model->device(), m.training_data, m.intended_use,
                        m.dir / m.model_card});
  }
  for (const auto& [name, slot] : analysis.slots) {
    const auto why = slot.pipeline->unavailable_reason();
    v.pipelines.push_back({name, !why, why.value_or("")});
  }
  v.destinations = [&outbox] {
    std::vector<admin::DestinationView> out;
    for (const auto& d : outbox.destinations()) out.push_back({d.name, d.ae_title, d.host, d.port, d.tls.enabled});
    out.push_back({"sender", "(the sender's AE)", "(delivery.known_peers)", 0, false});
    return out;
  };
  v.free_bytes = [&spool] { return spool.free_bytes(); };
  return v;
}

void mark_clean(const Config& config) {
  const fs::path marker = config.node.data_dir / "clean-shutdown";
  std::ofstream(marker) << utc_timestamp() << "\n";
  const int fd = ::open(config.node.data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

} // namespace

int run_node(const Config& config, const std::function<Config()>& reload) {
  // DCMTK disables Nagle's algorithm on its sockets only when TCP_NODELAY is set; without it every
  // C-STORE response waits for the peer's delayed ACK (~40 ms). An explicit setting is kept.
  ::setenv("TCP_NODELAY", "1", 0);
  try {
    fs::create_directories(config.node.data_dir);
    DataDirLock lock(config.node.data_dir);
    log::info("node.starting", {{"version", OSTEON_VERSION}, {"config", config.source},
                                {"data_dir", fs::absolute(config.node.data_dir).string()}});
    {
      db::Database database(db::database_path(config.node.data_dir));
      const auto version = db::migrate(database);
      // The node's own events in the audit trail: start (with the configuration it runs on), stop.
      const auto node_event = [&](db::AuditCode type, std::string detail) {
        db::AuditEvent e;
        e.at = utc_timestamp();
        e.event = db::audit::application_activity;
        e.type = type;
        e.actor = config.node.ae_title;
        e.detail = std::move(detail);
        db::AuditRepository(database).append(e);
      };
      node_event(db::audit::application_start, fmt::format("Osteon {} started", OSTEON_VERSION));
      node_event(db::audit::software_configuration,
                 fmt::format("configuration loaded from {}: DICOM plain {} (port {}), TLS {} (port {}, caller "
                             "certificates {}), {} allowed callers, admin console {} on {}:{}",
                             config.source, config.node.plain ? "on" : "off", config.node.port,
                             config.node.tls.enabled ? "on" : "off", config.node.tls_port,
                             config.node.tls.verify_peer ? "required" : "not required",
                             config.security.allowed_callers.empty() ? std::string("any")
                                                                     : std::to_string(config.security.allowed_callers.size()),
                             config.http.enabled ? "on" : "off", config.http.bind, config.http.port));
      // The trail to a syslog collector, when one is configured (from where it stopped last time).
      std::optional<AuditForwarder> forwarder;
      if (!config.audit.syslog_host.empty()) {
        forwarder.emplace(config.audit, db::database_path(config.node.data_dir), config.node.ae_title);
        forwarder->start();
      }
      dicom::Spool spool(config.node.data_dir, config.storage.fsync);
      recover(config, database, spool);

      const auto profiles = load_routing(config);
      const auto router = std::make_shared<routing::Router>(profiles);
      const std::chrono::milliseconds lease = std::chrono::seconds(config.jobs.lease_s);
      delivery::Outbox outbox(config.node.data_dir, config.delivery, config.node.ae_title);
      auto publisher = std::make_shared<ResultPublisher>(config, spool, outbox);
      log::info("node.device", {{"device_observer_uid", publisher->device_uid()}});
      auto analysis = make_analysis(config);
      // One work-queue engine runs every queue: one per pipeline and "delivery". Declared after
      // what its workers use, so that it stops first.
      jobs::Engine engine(db::database_path(config.node.data_dir));
      outbox.attach(engine, lease);
      jobs::AnalysisSettings analysis_settings;
      analysis_settings.data_dir = config.node.data_dir;
      analysis_settings.router = router;
      analysis_settings.retry = {config.jobs.max_attempts, std::chrono::seconds(config.jobs.retry_base_s),
                                 std::chrono::seconds(config.jobs.retry_cap_s)};
      analysis_settings.lease = lease;
      jobs::add_analysis_queues(engine, analysis->slots, analysis_settings, publisher);
      engine.start();

      // Retention: deletes what nothing needs any more, in its own thread; ingest wakes it when
      // the disk falls below the high-water mark.
      Purger purger(config.node.data_dir, config.retention, profiles, high_water_bytes(config), {},
                    [&spool] { return spool.free_bytes(); });
      purger.start();
      Ingest ingest(config, database, spool, router.get(), [&engine] { engine.notify(); });
      if (config.retention.enabled)
        ingest.on_space_low(high_water_bytes(config), [&purger] { purger.wake(); }, [&purger] { return purger.status(); });
      dimse::StorageScp scp(config.node, config.security, ingest);
      scp.start();

      // The admin console (HTTP: web UI, API, metrics), reading the database the node writes.
      admin::NodeView view = node_view(config, *analysis, spool, *router, outbox);
      view.retention_status = [&purger] { return purger.status(); };
      view.retention = [&purger, &config] {
        db::Database connection(db::database_path(config.node.data_dir), db::Database::Mode::read_only);
        const auto plan = purger.plan(connection);
        return admin::NodeView::Retention{plan.pending_bytes, plan.kept_bytes,   plan.purgeable_bytes, plan.purged_bytes,
                                          plan.next_purge_at, plan.last_purged_at, purger.status()};
      };
      view.open_associations = [&ingest] {
        std::vector<admin::LiveAssociation> out;
        for (const auto& a : ingest.open_associations())
          out.push_back({a.id, a.peer_host, a.calling_ae, a.called_ae, a.started_at, a.seconds});
        return out;
      };
      admin::Router router_http;
      admin::add_api(router_http, view);
      admin::add_web(router_http);
      // Users with roles (osteonctl user ...): every route but the page itself, health and login.
      std::optional<admin::Authenticator> auth;
      if (config.http.auth) {
        auth.emplace(db::database_path(config.node.data_dir), config.http);
        auth->add_routes(router_http);
        router_http.set_authorizer([&auth](admin::Request& r, admin::Access needed) { return auth->authorize(r, needed); });
      }
      // A failed HTTPS handshake is a security alert in the audit trail.
      std::mutex tls_audit_mutex;
      admin::HttpServer http(config.http, router_http, [&](const std::string& peer, const std::string& reason) {
        db::AuditEvent e;
        e.at = utc_timestamp();
        e.event = db::audit::security_alert;
        e.type = db::audit::node_authentication;
        e.outcome = db::audit::minor_failure;
        e.outcome_text = "HTTPS handshake failed: " + reason;
        e.actor_host = peer;
        e.detail = "admin console";
        try {
          std::lock_guard guard(tls_audit_mutex);
          db::Database connection(db::database_path(config.node.data_dir));
          db::AuditRepository(connection).append(e);
        } catch (const std::exception& ex) {
          log::error("audit.write_failed", {{"event", e.event.meaning}, {"error", ex.what()}});
        }
      });
      if (config.http.enabled) {
        http.listen();
        view.http_port = http.port();  // the one bound (port = 0: any free one)
        http.serve();
      }

      boost::asio::io_context io;
      boost::asio::signal_set signals(io, SIGINT, SIGTERM);
      boost::asio::signal_set hangup(io, SIGHUP);
      boost::asio::steady_timer watchdog(io);
      signals.async_wait([&](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        log::info("node.stopping", {{"signal", signo}, {"open_associations", scp.active_associations()},
                                    {"grace_s", config.node.shutdown_grace_s}});
        service_manager::stopping(fmt::format("stopping: {} open associations may finish", scp.active_associations()));
        hangup.cancel();
        watchdog.cancel();
        scp.request_stop();
      });
      // SIGHUP (systemctl reload): routing profiles and destinations are read again and put in
      // force for what arrives next; open associations, running jobs and queued deliveries go on.
      const auto reload_now = [&] {
        service_manager::reloading();
        try {
          const Config next = reload ? reload() : config;
          auto next_profiles = load_routing(next);
          outbox.replace_peers(next.delivery);  // first: a TLS file that fails leaves everything as it was
          router->replace(next_profiles);
          purger.replace_profiles(std::move(next_profiles));
          const auto destinations = outbox.destinations().size();
          log::info("node.reloaded", {{"config", next.source}, {"profiles", static_cast<std::int64_t>(router->profiles()->size())},
                                      {"destinations", static_cast<std::int64_t>(destinations)}});
          node_event(db::audit::software_configuration,
                     fmt::format("configuration reloaded from {}: {} routing profiles, {} destinations (other settings "
                                 "take effect at the next start)",
                                 next.source, router->profiles()->size(), destinations));
        } catch (const std::exception& e) {
          log::error("node.reload_failed", {{"error", e.what()}, {"kept", "the profiles and destinations in force"}});
        }
        service_manager::ready("serving (configuration reloaded)");
      };
      std::function<void()> await_hangup = [&] {
        hangup.async_wait([&](const boost::system::error_code& ec, int) {
          if (ec) return;
          reload_now();
          await_hangup();
        });
      };
      await_hangup();
      // The systemd watchdog: keep-alives from the loop that handles signals, while it turns.
      const auto keep_alive_every = service_manager::keep_alive_interval();
      std::function<void()> keep_alive = [&] {
        service_manager::keep_alive();
        watchdog.expires_after(keep_alive_every);
        watchdog.async_wait([&](const boost::system::error_code& ec) {
          if (!ec) keep_alive();
        });
      };
      if (keep_alive_every.count() > 0) keep_alive();
      log::info("node.ready", {{"port", config.node.plain ? config.node.port : 0},
                               {"tls_port", config.node.tls.enabled ? config.node.tls_port : 0},
                               {"aet", config.node.ae_title}, {"schema", version},
                               {"http_port", config.http.enabled ? http.port() : 0}});
      service_manager::ready(fmt::format("serving DICOM as {} on port {}{}, {} pipelines available", config.node.ae_title,
                                         config.node.plain ? config.node.port : config.node.tls_port,
                                         config.node.tls.enabled ? fmt::format(" (TLS {})", config.node.tls_port) : "",
                                         std::count_if(view.pipelines.begin(), view.pipelines.end(),
                                                       [](const auto& p) { return p.available; })));
      io.run();
      // No new analyses or deliveries once stopping: running ones finish (while open associations
      // use their grace period); queued ones, and those stored meanwhile, resume at the next start.
      engine.stop();
      scp.wait();
      purger.stop();
      http.stop();
      node_event(db::audit::application_stop, fmt::format("Osteon {} stopped", OSTEON_VERSION));
      if (forwarder) forwarder->stop();  // sends what waits, the stop included, for a few seconds
    }
    mark_clean(config);
    log::info("node.stopped", {{"clean", true}});
    return 0;
  } catch (const Error& e) {
    log::error("node.failed", {{"code", std::string(info(e.code()).name)}, {"error", e.what()}});
    return e.exit_code();
  } catch (const std::exception& e) {
    log::error("node.failed", {{"code", "internal"}, {"error", e.what()}});
    return 70;
  }
}

} // namespace osteon::app
