// What the API's route files share: see api_support.hpp.
#include "api_support.hpp"

#include <fmt/format.h>

#include "osteon/core/clock.hpp"
#include "osteon/core/error.hpp"
#include "osteon/db/table_json.hpp"

using nlohmann::json;

namespace osteon::admin {

namespace {

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

} // namespace

std::optional<std::string> date(const Request& r, std::string_view name) {
  auto v = r.get(name);
  if (v && (v->size() != 10 || (*v)[4] != '-' || (*v)[7] != '-'))
    throw Error(Errc::invalid_argument, fmt::format("'{}' must be a date YYYY-MM-DD", name));
  return v;
}

db::AuditEvent console_event(const Request& r, db::AuditCode event, char action, std::string detail,
                             const Audited& what) {
  db::AuditEvent e;
  e.at = utc_timestamp();
  e.event = event;
  e.action = action;
  e.actor = r.user.empty() ? "console" : r.user;
  e.actor_host = r.peer;
  e.study_uid = what.study_uid;
  e.sop_instance_uid = what.sop_instance_uid;
  e.patient_id = what.patient_id;
  e.detail = std::move(detail);
  return e;
}

void audit(Connections& writers, const Request& r, db::AuditCode event, char action, std::string detail,
           const Audited& what) {
  const auto e = console_event(r, event, action, std::move(detail), what);
  writers.with([&](db::Database& d) {
    db::AuditRepository(d).append(e);
    return 0;
  });
}

std::string described(const Request& r) {
  std::string out = r.path;
  char sep = '?';
  for (const auto& [k, v] : r.query) {
    out += sep + k + "=" + v;
    sep = '&';
  }
  return out;
}

Response json_response(const json& body, int status) {
  Response r;
  r.status = status;
  r.body = json_text(body);
  return r;
}

Page page_of(const Request& r) {
  return {static_cast<int>(r.integer("limit", 100, 1, 1000)), static_cast<int>(r.integer("offset", 0, 0, 1'000'000'000))};
}

Response listing(const db::Table& table, Page page) {
  return json_response({{"items", db::rows_json(table)},
                        {"limit", page.limit},
                        {"offset", page.offset},
                        {"count", table.rows.size()}});
}

Response single(const db::Table& table, std::string_view what, std::string_view key) {
  if (table.rows.empty()) throw Error(Errc::not_found, fmt::format("{} {} not found", what, key));
  return json_response(db::rows_json(table).at(0));
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

} // namespace osteon::admin
