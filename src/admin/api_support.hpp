#pragma once
// What the API's route files share (src/admin/api*.cpp): JSON answers, the database
// connections, paging, filters from query parameters, listings as JSON or CSV.
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "osteon/admin/api.hpp"
#include "osteon/admin/http.hpp"
#include "osteon/db/audit_repository.hpp"
#include "osteon/db/database.hpp"
#include "osteon/db/instance_repository.hpp"
#include "osteon/db/job_repository.hpp"
#include "osteon/db/table.hpp"

namespace osteon::admin {

/// JSON text of a response body; bytes that are not UTF-8 (from a request, a file) become U+FFFD
/// rather than an exception.
inline std::string json_text(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

Response json_response(const nlohmann::json& body, int status = 200);

// Connections to the node's database, one per request being served, kept for the next request.
// Reads use read-only connections (WAL: they never block ingest); admin actions a writer.
class Connections {
 public:
  Connections(std::filesystem::path database, db::Database::Mode mode) : database_(std::move(database)), mode_(mode) {}

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
  std::filesystem::path database_;
  db::Database::Mode mode_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<db::Database>> idle_;
};

struct Page {
  int limit;
  int offset;
};

/// limit (1..1000, default 100) and offset from the query.
Page page_of(const Request& r);

/// A YYYY-MM-DD query parameter (the date filters of every listing); else Error(invalid_argument).
std::optional<std::string> date(const Request& r, std::string_view name);

/// {"items", "limit", "offset", "count"}.
Response listing(const db::Table& table, Page page);

/// One row, or Error(not_found) "<what> <key> not found".
Response single(const db::Table& table, std::string_view what, std::string_view key);

/// The instance filters of osteonctl from query parameters (study, series, modality, body_part,
/// calling_ae, patient_id, accession, from, to).
db::Filter instance_filter(const Request& r, Page page);

/// state, pipeline, study, instance.
db::JobFilter job_filter(const Request& r, Page page);

/// The table as a CSV attachment <name>.csv.
Response csv(const db::Table& table, std::string_view name);

/// What a console request read or changed, for the audit trail: the actor is "console" (the
/// console has no users yet) at the client's address. `what` names the study, instance and
/// patient ID where there are.
struct Audited {
  std::string study_uid;
  std::string sop_instance_uid;
  std::string patient_id;
};
db::AuditEvent console_event(const Request& r, db::AuditCode event, char action, std::string detail,
                             const Audited& what = {});
/// Appends console_event(...) on a connection of its own.
void audit(Connections& writers, const Request& r, db::AuditCode event, char action, std::string detail,
           const Audited& what = {});

/// "path?k=v&..." of a request, for the audit trail.
std::string described(const Request& r);

// GET <path>: one page of what `query(database, request, page)` lists, as JSON or, with
// ?format=csv, as a CSV file. With `audit_to`, each answer is in the audit trail (a query; a CSV
// file is an export).
template <typename Query>
void add_listing(Router& router, const std::string& path, const std::shared_ptr<Connections>& readers, Query query,
                 std::shared_ptr<Connections> audit_to = nullptr, Access access = Access::viewer) {
  router.add("GET", path, [readers, query, audit_to, name = path.substr(path.rfind('/') + 1)](const Request& r) {
    const auto page = page_of(r);
    const auto format = r.get("format").value_or("json");
    if (format != "json" && format != "csv") throw Error(Errc::invalid_argument, "'format' must be json or csv");
    auto out = readers->with([&](db::Database& d) {
      const auto table = query(d, r, page);
      return format == "csv" ? csv(table, name) : listing(table, page);
    });
    if (audit_to) {
      audit(*audit_to, r, format == "csv" ? db::audit::export_ : db::audit::query, format == "csv" ? 'R' : 'E',
            described(r), {r.get("study").value_or(""), r.get("instance").value_or(""), r.get("patient_id").value_or("")});
    }
    return out;
  }, access);
}


// The route groups, each in its own file.
void add_node_routes(Router& router, const NodeView& view, const std::shared_ptr<Connections>& readers);
void add_record_routes(Router& router, const NodeView& view, const std::shared_ptr<Connections>& readers,
                       const std::shared_ptr<Connections>& writers);
void add_action_routes(Router& router, const NodeView& view, const std::shared_ptr<Connections>& writers);

} // namespace osteon::admin
