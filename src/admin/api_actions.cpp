// The API's admin actions: re-runs, retries, pauses. Each answers what it changed.
#include <algorithm>

#include <fmt/format.h>

#include "api_support.hpp"
#include "osteon/core/clock.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"
#include "osteon/db/outbox_repository.hpp"
#include "osteon/db/pause_repository.hpp"
#include "osteon/db/retention_repository.hpp"

using nlohmann::json;

namespace osteon::admin {

void add_action_routes(Router& router, const NodeView& view, const std::shared_ptr<Connections>& writers) {
  router.add("POST", "/api/v1/jobs/{id}/rerun", [writers](const Request& r) {
    return writers->with([&](db::Database& d) {
      db::JobFilter f;
      f.id = r.param("id");
      db::JobRepository jobs(d);
      const auto found = jobs.jobs(f);
      if (found.rows.empty()) throw Error(Errc::not_found, fmt::format("job {} not found", r.param("id")));
      const int n = jobs.rerun(f);
      if (n == 0) {
        const auto uid = std::get<std::string>(found.rows.at(0).at(1));  // kJobList: id, sop_instance_uid, ...
        if (const auto purged = db::RetentionRepository(d).purged_at(uid))
          throw Error(Errc::invalid_argument,
                      fmt::format("job {} cannot run again: its image was purged by retention at {} (the findings and "
                                  "results stay)",
                                  r.param("id"), *purged));
        throw Error(Errc::invalid_argument, fmt::format("job {} is queued or running already", r.param("id")));
      }
      db::AuditRepository(d).append(
          console_event(r, db::audit::application_activity, 'U', fmt::format("re-run of job {}", r.param("id"))));
      return json_response({{"rerun", n}});
    });
  });
  router.add("POST", "/api/v1/jobs/rerun", [writers](const Request& r) {
    auto f = job_filter(r, {1, 0});
    if (!f.state && !f.pipeline && !f.study_uid && !f.sop_instance_uid)
      throw Error(Errc::invalid_argument, "a bulk re-run needs a filter (state, pipeline, study or instance)");
    return writers->with([&](db::Database& d) {
      const int n = db::JobRepository(d).rerun(f);
      db::AuditRepository(d).append(console_event(r, db::audit::application_activity, 'U',
                                                   fmt::format("bulk re-run of {} job(s): {}", n, described(r)),
                                                   {f.study_uid.value_or(""), f.sop_instance_uid.value_or(""), ""}));
      return json_response({{"rerun", n}});
    });
  });
  router.add("POST", "/api/v1/deliveries/{id}/retry", [writers](const Request& r) {
    return writers->with([&](db::Database& d) {
      db::OutboxFilter f;
      f.id = r.param("id");
      db::OutboxRepository outbox(d);
      if (outbox.list(f).rows.empty()) throw Error(Errc::not_found, fmt::format("delivery {} not found", r.param("id")));
      const int n = outbox.retry(f);
      if (n == 0) throw Error(Errc::invalid_argument, fmt::format("delivery {} has not failed", r.param("id")));
      db::AuditRepository(d).append(
          console_event(r, db::audit::application_activity, 'U', fmt::format("retry of delivery {}", r.param("id"))));
      return json_response({{"retried", n}});
    });
  });
  router.add("POST", "/api/v1/deliveries/retry", [writers](const Request& r) {
    db::OutboxFilter f;
    f.destination = r.get("destination");
    f.study_uid = r.get("study");
    return writers->with([&](db::Database& d) {
      const int n = db::OutboxRepository(d).retry(f);
      db::AuditRepository(d).append(console_event(r, db::audit::application_activity, 'U',
                                                   fmt::format("bulk retry of {} deliveries: {}", n, described(r)),
                                                   {f.study_uid.value_or(""), "", ""}));
      return json_response({{"retried", n}});
    });
  });
  for (const auto& kinds : {std::pair<std::string, std::string>{"pipeline", "pipelines"}, {"destination", "destinations"}}) {
    const std::string& kind = kinds.first;  // a named variable: lambdas capture it (clang 14 cannot capture a binding)
    const std::string& plural = kinds.second;
    for (const bool pause : {true, false}) {
      const auto path = fmt::format("/api/v1/{}/{{name}}/{}", plural, pause ? "pause" : "resume");
      router.add("POST", path, [&view, writers, kind, pause](const Request& r) {
        const auto& name = r.param("name");
        const bool known = kind == "pipeline"
                               ? std::any_of(view.pipelines.begin(), view.pipelines.end(), [&](const auto& p) { return p.name == name; })
                               : name == "sender" || (view.destinations && [&] {
                                   const auto all = view.destinations();
                                   return std::any_of(all.begin(), all.end(), [&](const auto& d) { return d.name == name; });
                                 }());
        if (!known) throw Error(Errc::not_found, fmt::format("no {} named '{}'", kind, name));
        return writers->with([&](db::Database& d) {
          db::PauseRepository pauses(d);
          const bool changed = pause ? pauses.pause(kind, name, utc_timestamp()) : pauses.resume(kind, name);
          log::info(pause ? "admin.paused" : "admin.resumed", {{"kind", kind}, {"name", name}, {"changed", changed}});
          db::AuditRepository(d).append(console_event(
              r, db::audit::application_activity, 'U',
              fmt::format("{} {} {}{}", pause ? "paused" : "resumed", kind, name, changed ? "" : " (no change)")));
          return json_response({{kind, name}, {"paused", pause}, {"changed", changed}});
        });
      });
    }
  }
}

} // namespace osteon::admin
