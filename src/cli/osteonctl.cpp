// osteonctl: the admin command line. Opens the node's database read-only, so it is safe to run
// while the node is serving.
#include <pwd.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "osteon/admin/auth.hpp"
#include "osteon/core/sha256.hpp"
#include "osteon/db/audit_repository.hpp"
#include "osteon/db/user_repository.hpp"
#include "osteon/db/pause_repository.hpp"
#include "osteon/db/table_json.hpp"
#include "osteon/core/clock.hpp"
#include "osteon/routing/decision_json.hpp"

#include "osteon/app/config.hpp"
#include "osteon/app/purger.hpp"
#include "osteon/core/error.hpp"
#include "osteon/db/database.hpp"
#include "osteon/db/instance_repository.hpp"
#include "osteon/db/job_repository.hpp"
#include "osteon/db/outbox_repository.hpp"
#include "osteon/db/migrations.hpp"
#include "osteon/dicom/attributes_reader.hpp"
#include "osteon/routing/router.hpp"

namespace {

// An admin change made with osteonctl, for the audit trail: the actor is osteonctl:<the OS user>.
osteon::db::AuditEvent local_event(std::string detail) {
  osteon::db::AuditEvent e;
  e.at = osteon::utc_timestamp();
  e.event = osteon::db::audit::application_activity;
  e.action = 'U';
  const passwd* user = ::getpwuid(::geteuid());
  e.actor = fmt::format("osteonctl:{}", user != nullptr ? user->pw_name : std::to_string(::geteuid()));
  e.actor_host = "local";
  e.detail = std::move(detail);
  return e;
}

// One line of stdin; on a terminal, prompted with `prompt` and not echoed.
std::string read_secret_line(const char* prompt) {
  const bool tty = ::isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (tty) {
    std::cerr << prompt << std::flush;
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// A new password from stdin (asked twice on a terminal); at least 10 characters.
std::string read_new_password() {
  const auto password = read_secret_line("New password: ");
  if (::isatty(STDIN_FILENO) == 1 && read_secret_line("Again: ") != password)
    throw osteon::Error(osteon::Errc::invalid_argument, "the two passwords differ");
  if (password.size() < 10)
    throw osteon::Error(osteon::Errc::invalid_argument, "a password needs at least 10 characters");
  return password;
}

std::string text(const osteon::db::Value& v) {
  if (std::holds_alternative<std::monostate>(v)) return "";
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) return fmt::format("{:.3f}", *d);
  return std::get<std::string>(v);
}

void print_table(const osteon::db::Table& t) {
  std::vector<std::size_t> width(t.columns.size());
  for (std::size_t c = 0; c < t.columns.size(); ++c) width[c] = t.columns[c].size();
  for (const auto& row : t.rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], text(row[c]).size());
  auto line = [&](auto cell) {
    std::string out;
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      if (c) out += "  ";
      out += fmt::format("{:<{}}", cell(c), c + 1 == t.columns.size() ? 0 : width[c]);
    }
    std::cout << out << "\n";
  };
  line([&](std::size_t c) { return t.columns[c]; });
  line([&](std::size_t c) { return std::string(width[c], '-'); });
  for (const auto& row : t.rows) line([&](std::size_t c) { return text(row[c]); });
  std::cout << "(" << t.rows.size() << (t.rows.size() == 1 ? " row" : " rows") << ")\n";
}

void print_json(const osteon::db::Table& t, bool single) {
  const nlohmann::json out = osteon::db::rows_json(t);
  std::cout << (single && !out.empty() ? out[0] : out).dump(2) << "\n";
}

// `osteonctl route FILE`: which profile takes the file, and each profile's reasons.
int explain_route(const std::string& file, const std::string& profiles_dir, const std::string& config_file,
                  const std::string& calling_ae, const std::string& called_ae, bool json) {
  const osteon::app::Config config =
      osteon::app::load_config(config_file);
  const osteon::routing::Router router(profiles_dir.empty() ? osteon::routing::load_configured(config.routing)
                                                            : osteon::routing::load_profiles(profiles_dir));
  osteon::routing::RoutingInput in;
  in.attributes = osteon::dicom::read_attributes(file);
  in.calling_ae = calling_ae;
  in.called_ae = called_ae.empty() ? config.node.ae_title : called_ae;
  const auto d = router.route(in);
  if (json) {
    nlohmann::json out = osteon::routing::decision_json(d);
    out["file"] = file;
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << file << "\n  " << (d.profile ? "-> " : "") << d.summary() << "\n";
    for (const auto& v : d.verdicts) {
      std::cout << "  " << (v.matched ? "[match]    " : "[no match] ") << v.profile_id << ":";
      for (const auto& r : v.reasons) std::cout << "\n      " << r;
      std::cout << "\n";
    }
  }
  return d.profile ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App cli{"osteonctl - query an Osteon node's index (read-only; safe while the node runs).\n"
               "Dates are YYYY-MM-DD and filter on when Osteon received the instance (UTC)."};
  cli.require_subcommand(1);
  cli.fallthrough();  // global options (--json, --data-dir, ...) may also follow the subcommand
  std::string config_file;
  std::string data_dir;
  std::string db_file;
  bool json = false;
  osteon::db::Filter filter;
  cli.add_option("-c,--config", config_file, "Node configuration file; its data_dir is used")->check(CLI::ExistingFile);
  cli.add_option("-d,--data-dir", data_dir, "Node data directory (default: the node's default, ./var)");
  cli.add_option("--db", db_file, "Database file (overrides --data-dir)");
  cli.add_flag("--json", json, "JSON output for scripts instead of a table");

  auto add_filters = [&](CLI::App* sub, bool instance_filters) {
    if (instance_filters) {
      sub->add_option("--study", filter.study_uid, "Study Instance UID");
      sub->add_option("--series", filter.series_uid, "Series Instance UID");
      sub->add_option("--modality", filter.modality, "Modality, e.g. DX (case-insensitive)");
      sub->add_option("--body-part", filter.body_part, "Body Part Examined, e.g. HAND (case-insensitive)");
    }
    sub->add_option("--calling-ae", filter.calling_ae, "Calling AE title of the sender");
    sub->add_option("--from", filter.received_from, "Received on or after this date (YYYY-MM-DD)");
    sub->add_option("--to", filter.received_to, "Received on or before this date (YYYY-MM-DD)");
    sub->add_option("--limit", filter.limit, "At most this many rows (default 1000)")->check(CLI::PositiveNumber);
  };
  auto* studies = cli.add_subcommand("studies", "Studies with their instance counts");
  auto* series = cli.add_subcommand("series", "Series with their instance counts");
  auto* instances = cli.add_subcommand("instances", "Stored instances: UIDs, body part, size, sha256, path");
  auto* associations = cli.add_subcommand("associations", "Associations: peer, AE titles, counts, result");
  auto* stats = cli.add_subcommand("stats", "Totals: studies, series, instances, bytes, associations; bytes per retention state (pending, kept, purgeable, purged) and the next purge");
  osteon::db::JobFilter job_filter;
  auto* jobs = cli.add_subcommand("jobs", "Analysis jobs: pipeline, state (queued, running, done, not-analysable, failed), reason, timings");
  auto* findings = cli.add_subcommand("findings", "What finished jobs found, with model name, version and hash");
  osteon::db::OutboxFilter outbox_filter;
  auto* deliveries = cli.add_subcommand("deliveries", "Result deliveries: destination, state (pending, sending, delivered, failed), attempts, last error");
  deliveries->add_option("--state", outbox_filter.state, "pending, sending, delivered or failed");
  deliveries->add_option("--destination", outbox_filter.destination, "Destination name (or 'sender')");
  deliveries->add_option("--study", outbox_filter.study_uid, "Study Instance UID");
  deliveries->add_option("--limit", outbox_filter.limit, "At most this many rows (default 1000)")->check(CLI::PositiveNumber);
  bool purge_dry_run = false, purge_now = false;
  auto* purge = cli.add_subcommand(
      "purge", "Storage retention ([retention] of --config, else the defaults): --dry-run lists what would be deleted "
               "now and the space it frees; --now deletes it (writes; safe while the node runs)");
  purge->add_flag("--dry-run", purge_dry_run, "Only list what would go, and how much space it frees");
  purge->add_flag("--now", purge_now, "Delete it now (row marked, file deleted, row marked purged)");
  std::int64_t retry_id = 0;
  auto* retry = cli.add_subcommand("retry", "Queue a failed delivery again (writes, like pause and resume)");
  retry->add_option("id", retry_id, "Delivery id (see 'deliveries')")->required();
  auto* pauses = cli.add_subcommand("pauses", "Paused pipelines and destinations (kept across restarts)");
  osteon::db::AuditFilter audit_filter;
  bool audit_failures = false;
  auto* audit = cli.add_subcommand("audit", "The audit trail, newest first: who sent, read, changed or exported what (DICOM audit events)");
  audit->add_option("--event", audit_filter.event_id, "Event ID, e.g. 110104 (instances transferred), 110113 (security alert)");
  audit->add_option("--actor", audit_filter.actor, "AE title, 'console' or osteonctl:<user>");
  audit->add_option("--study", audit_filter.study_uid, "Study Instance UID");
  audit->add_option("--from", audit_filter.from, "On or after this date (YYYY-MM-DD)");
  audit->add_option("--to", audit_filter.to, "On or before this date (YYYY-MM-DD)");
  audit->add_flag("--failures", audit_failures, "Only events that did not succeed");
  audit->add_option("--limit", audit_filter.limit, "At most this many rows (default 1000)")->check(CLI::PositiveNumber);
  // The console's users (the node reads them from the database at each login and request).
  auto* users = cli.add_subcommand("users", "The admin console's users: name, role, failed logins, lock-out, tokens");
  auto* user = cli.add_subcommand("user", "Manage the admin console's users (writes; passwords are read from stdin)");
  user->require_subcommand(1);
  std::string user_name;
  std::string user_role;
  std::string token_label;
  auto* user_add = user->add_subcommand("add", "Add a user with a role; the password is read from stdin (twice on a terminal)");
  auto* user_remove = user->add_subcommand("remove", "Remove a user and its API tokens");
  auto* user_passwd = user->add_subcommand("passwd", "Set a user's password (also ends a lock-out)");
  auto* user_token = user->add_subcommand("token", "Make an API token for a user's scripts (Authorization: Bearer ...); printed once");
  for (auto* sub : {user_add, user_remove, user_passwd, user_token}) sub->add_option("name", user_name, "User name")->required();
  user_add->add_option("--role", user_role, "viewer (reads), operator (+ re-run, retry, pause), admin (+ audit trail)")
      ->required()
      ->check(CLI::IsMember({"viewer", "operator", "admin"}));
  user_token->add_option("--label", token_label, "What the token is for (e.g. prometheus)");
  std::string pause_kind;
  std::string pause_name;
  auto* pause = cli.add_subcommand("pause", "Pause a pipeline (its jobs queue, none runs) or a destination (its deliveries wait)");
  auto* resume = cli.add_subcommand("resume", "Resume a paused pipeline or destination");
  for (auto* sub : {pause, resume}) {
    sub->add_option("kind", pause_kind, "pipeline or destination")->required()->check(CLI::IsMember({"pipeline", "destination"}));
    sub->add_option("name", pause_name, "Pipeline (bone_age, nasal_fracture, implant_id) or destination name (or 'sender')")
        ->required();
  }
  for (auto* sub : {jobs, findings}) {
    sub->add_option("--state", job_filter.state, "queued, running, done, not-analysable or failed");
    sub->add_option("--pipeline", job_filter.pipeline, "bone_age, nasal_fracture or implant_id");
    sub->add_option("--study", job_filter.study_uid, "Study Instance UID");
    sub->add_option("--instance", job_filter.sop_instance_uid, "SOP Instance UID");
    sub->add_option("--limit", job_filter.limit, "At most this many rows (default 1000)")->check(CLI::PositiveNumber);
  }
  std::string route_file;
  std::string profiles_dir;
  std::string calling_ae = "UNKNOWN";
  std::string called_ae;
  auto* route = cli.add_subcommand("route", "Explain which routing profile takes a DICOM file, and why (exit 1: none)");
  route->add_option("file", route_file, "DICOM file")->required()->check(CLI::ExistingFile);
  route->add_option("--profiles", profiles_dir, "Profile directory (default: the node's, else built-in)");
  route->add_option("--calling-ae", calling_ae, "Calling AE title to assume (default UNKNOWN)");
  route->add_option("--called-ae", called_ae, "Called AE title to assume (default: the node's)");
  for (auto* sub : {studies, series, instances}) add_filters(sub, true);
  add_filters(associations, false);
  CLI11_PARSE(cli, argc, argv);

  try {
    if (route->parsed()) return explain_route(route_file, profiles_dir, config_file, calling_ae, called_ae, json);
    if (db_file.empty()) {
      std::filesystem::path dir = data_dir;
      if (dir.empty()) {
        dir = osteon::app::load_config(config_file).node.data_dir;
      }
      db_file = osteon::db::database_path(dir).string();
    }
    if (!std::filesystem::exists(db_file)) {
      throw osteon::Error(osteon::Errc::not_found,
                          fmt::format("no database at {} (has the node run with this data directory?)", db_file));
    }
    if (pause->parsed() || resume->parsed()) {
      // Only names the node knows: a pipeline of a routing profile, "sender", or a destination of the
      // configuration given with --config (without one, destination names are taken as they are).
      const auto config = osteon::app::load_config(config_file);
      bool known = pause_kind == "destination" && (pause_name == "sender" || config_file.empty());
      if (pause_kind == "destination") {
        for (const auto& d : config.delivery.destinations) known = known || d.name == pause_name;
      } else {
        const auto profiles = osteon::routing::load_configured(config.routing);
        for (const auto& p : profiles) known = known || p.pipeline == pause_name;
      }
      if (!known) throw osteon::Error(osteon::Errc::not_found, fmt::format("no {} named '{}'", pause_kind, pause_name));
      osteon::db::Database database(db_file);
      osteon::db::require_schema(database);
      osteon::db::PauseRepository repo(database);
      const bool changed = pause->parsed() ? repo.pause(pause_kind, pause_name, osteon::utc_timestamp())
                                           : repo.resume(pause_kind, pause_name);
      osteon::db::AuditRepository(database).append(
          local_event(fmt::format("{} {} {}{}", pause->parsed() ? "paused" : "resumed", pause_kind, pause_name,
                                  changed ? "" : " (no change)")));
      std::cout << pause_kind << " " << pause_name << (pause->parsed() ? " paused" : " resumed")
                << (changed ? "" : " (it already was)") << "\n";
      return 0;
    }
    if (user->parsed()) {
      // Only when the node's configuration lets osteonctl manage its users.
      const auto config = osteon::app::load_config(config_file);
      if (!config.http.osteonctl_manages_users) {
        throw osteon::Error(osteon::Errc::forbidden,
                            fmt::format("the node's configuration ({}) has [http] osteonctl_manages_users = false: its users "
                                        "are not changed with osteonctl",
                                        config.source));
      }
      osteon::db::Database database(db_file);
      osteon::db::require_schema(database);
      osteon::db::UserRepository repo(database);
      const auto now = osteon::utc_timestamp();
      std::string what;
      if (user_add->parsed()) {
        if (repo.find(user_name)) throw osteon::Error(osteon::Errc::invalid_argument, fmt::format("user {} exists already", user_name));
        repo.add(user_name, user_role, osteon::admin::hash_password(read_new_password()), now);
        what = fmt::format("user {} added with role {}", user_name, user_role);
      } else if (!repo.find(user_name)) {
        throw osteon::Error(osteon::Errc::not_found, fmt::format("no user named '{}'", user_name));
      } else if (user_remove->parsed()) {
        repo.remove(user_name);
        what = fmt::format("user {} removed", user_name);
      } else if (user_passwd->parsed()) {
        repo.set_password(user_name, osteon::admin::hash_password(read_new_password()));
        what = fmt::format("password of {} set", user_name);
      } else {
        const auto token = osteon::admin::new_secret();
        repo.add_token(user_name, token_label, osteon::sha256_hex(token), now);
        std::cout << token << "\n";
        what = fmt::format("API token made for {}{}", user_name, token_label.empty() ? "" : " (" + token_label + ")");
      }
      auto e = local_event(what);
      e.event = osteon::db::audit::security_alert;
      e.type = osteon::db::audit::user_security_attributes_changed;
      osteon::db::AuditRepository(database).append(e);
      std::cerr << what << "\n";
      return 0;
    }
    // Retention works on the data directory of the database, with the rules and profiles of the
    // configuration given (or the defaults).
    const auto retention = [&] {
      const auto config = osteon::app::load_config(config_file);
      const auto profiles = osteon::routing::load_configured(config.routing);
      return std::make_unique<osteon::app::Purger>(std::filesystem::path(db_file).parent_path(), config.retention,
                                                   profiles, osteon::app::high_water_bytes(config));
    };
    if (purge->parsed()) {
      if (purge_dry_run == purge_now)
        throw osteon::Error(osteon::Errc::invalid_argument, "purge needs --dry-run or --now (one of them)");
      osteon::db::Database database(db_file, purge_now ? osteon::db::Database::Mode::read_write
                                                       : osteon::db::Database::Mode::read_only);
      osteon::db::require_schema(database);
      const auto purger = retention();
      if (purge_now) {
        const auto result = purger->run_once(database);
        const std::string what =
            fmt::format("purge: {} file(s), {} bytes deleted ({} whose keep time ran out, {} for disk space)",
                        result.files, result.bytes, result.by_age, result.by_disk);
        osteon::db::AuditRepository(database).append(local_event(what));
        std::cout << what << (result.still_below ? "; free space is still below the high-water mark" : "") << "\n";
        return 0;
      }
      const auto plan = purger->plan(database);
      osteon::db::Table t;
      t.columns = {"sop_instance_uid", "kind", "profile", "size_bytes", "done_at", "reason", "path"};
      const char* kinds[] = {"routed", "unrouted", "result"};
      std::int64_t freed = 0;
      for (const auto& [item, reason] : purger->would_purge(database)) {
        t.rows.push_back({item.file.sop_instance_uid, std::string(kinds[static_cast<int>(item.file.kind)]),
                          item.file.profile, item.file.size_bytes, item.file.done_at, reason, item.file.path});
        freed += item.file.size_bytes;
      }
      if (json) {
        print_json(t, false);
      } else {
        print_table(t);
        std::cout << fmt::format("would free {} bytes ({} files; reason age: keep time over, disk: free space below "
                                 "the high-water mark); {} bytes are still needed, {} bytes kept for their keep time{}\n",
                                 freed, t.rows.size(), plan.pending_bytes, plan.kept_bytes,
                                 plan.next_purge_at.empty() ? "" : " (the first goes at " + plan.next_purge_at + ")");
      }
      return 0;
    }
    if (retry->parsed()) {
      osteon::db::Database database(db_file);
      osteon::db::require_schema(database);
      if (!osteon::db::OutboxRepository(database).retry(retry_id)) {
        throw osteon::Error(osteon::Errc::not_found, fmt::format("no failed delivery with id {}", retry_id));
      }
      osteon::db::AuditRepository(database).append(local_event(fmt::format("retry of delivery {}", retry_id)));
      std::cout << "delivery " << retry_id << " queued again; the node sends it on its next pass\n";
      return 0;
    }
    osteon::db::Database database(db_file, osteon::db::Database::Mode::read_only);
    osteon::db::require_schema(database);
    osteon::db::InstanceRepository repo(database);
    osteon::db::Table table;
    if (studies->parsed()) table = repo.studies(filter);
    else if (series->parsed()) table = repo.series(filter);
    else if (instances->parsed()) table = repo.instances(filter);
    else if (associations->parsed()) table = repo.associations(filter);
    else if (jobs->parsed()) table = osteon::db::JobRepository(database).jobs(job_filter);
    else if (findings->parsed()) table = osteon::db::JobRepository(database).findings(job_filter);
    else if (deliveries->parsed()) table = osteon::db::OutboxRepository(database).list(outbox_filter);
    else if (pauses->parsed()) table = osteon::db::PauseRepository(database).table();
    else if (users->parsed()) table = osteon::db::UserRepository(database).table();
    else if (audit->parsed()) {
      if (audit_failures) audit_filter.failures = "1";
      table = osteon::db::AuditRepository(database).list(audit_filter);
    }
    else {
      table = repo.stats();
      // Bytes per retention state, and when the next file's keep time runs out.
      const auto plan = retention()->plan(database);
      for (const auto& [column, value] :
           {std::pair<const char*, osteon::db::Value>{"bytes_pending", plan.pending_bytes},
            {"bytes_kept", plan.kept_bytes},
            {"bytes_purgeable", plan.purgeable_bytes},
            {"bytes_purged", plan.purged_bytes},
            {"next_purge_at", plan.next_purge_at},
            {"last_purged_at", plan.last_purged_at}}) {
        table.columns.push_back(column);
        table.rows.at(0).push_back(value);
      }
    }
    if (json) print_json(table, stats->parsed());
    else print_table(table);
    return 0;
  } catch (const osteon::Error& e) {
    std::cerr << "osteonctl: " << e.what() << "\n";
    return e.exit_code();
  }
}
