// The console's users, roles, sessions and tokens through the real node (curl as the client):
// every route but the page, health and login needs credentials (401), every state-changing route
// an operator and the audit trail an admin (403), nothing changes for a refused request; console
// sessions need their CSRF token for changes; repeated wrong passwords lock a user out; SQL
// metacharacters and path traversal in requests do no harm; each case is in the audit trail.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "node.hpp"

namespace fs = std::filesystem;
using namespace osteon::test;
using nlohmann::json;

namespace {

RunResult ctl(const Node& node, const std::string& args, const std::string& stdin_text = "") {
  return run({"sh", "-c", "printf '" + stdin_text + "' | '" + (binary_dir() / "osteonctl").string() + "' --data-dir '" +
                              node.data_dir().string() + "' " + args});
}

std::string bearer(const std::string& token) { return "Authorization: Bearer " + token; }

} // namespace

TEST_CASE("users with roles: 401 without credentials, 403 for the wrong role, sessions with CSRF, lock-out, tokens; "
          "nothing changes for a refused request and each case is audited",
          "[auth]") {
  TempDir dir;
  NodeOptions options;
  options.http = "lockout_failures = 3\nlockout_minutes = 1\n";  // the default, auth = true, with a quick lock-out
  Node node(dir.path() / "data", options);
  node.start();

  // Users from osteonctl; the password from stdin; too short is refused.
  CHECK(ctl(node, "user add shorty --role admin", "short\\n").exit_code != 0);
  REQUIRE(ctl(node, "user add vera --role viewer", "viewer password 1\\n").exit_code == 0);
  REQUIRE(ctl(node, "user add otto --role operator", "operator password 1\\n").exit_code == 0);
  REQUIRE(ctl(node, "user add ada --role admin", "admin password 1\\n").exit_code == 0);
  CHECK(ctl(node, "user add vera --role admin", "another password\\n").exit_code != 0);  // taken
  const auto token_of = [&](const std::string& user) {
    const auto r = ctl(node, "user token " + user + " --label test");
    REQUIRE(r.exit_code == 0);
    std::smatch m;
    REQUIRE(std::regex_search(r.output, m, std::regex("[0-9a-f]{64}")));
    return m.str();
  };
  const auto viewer = token_of("vera");
  const auto operator_token = token_of("otto");
  const auto admin = token_of("ada");
  const auto listed = json::parse(ctl(node, "--json users").output);
  REQUIRE(listed.size() == 3);
  CHECK(listed.dump().find("argon2id") == std::string::npos);  // no hashes in listings

  // Every route of the API, from its own description.
  const auto openapi = json::parse(http(node, "GET", "/api/v1/openapi.json").body);
  const std::set<std::string> open_routes{"/healthz", "/readyz", "/api/v1/openapi.json", "/api/v1/login"};
  int tried = 0, refused = 0;
  for (const auto& [pattern, methods] : openapi["paths"].items()) {
    const auto path = std::regex_replace(std::regex_replace(pattern, std::regex("\\{name\\}"), "bone_age"), std::regex("\\{[a-z]+\\}"), "1");
    for (const auto& [method_lower, spec] : methods.items()) {
      std::string method = method_lower;
      for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (open_routes.contains(pattern)) continue;
      INFO(method << " " << path);
      ++tried;
      const auto anonymous = http(node, method, path);
      CHECK(anonymous.status == 401);
      CHECK_THAT(anonymous.headers, Catch::Contains("WWW-Authenticate: Bearer"));
      CHECK(http(node, method, path, {bearer("0000" + viewer.substr(4))}).status == 401);  // unknown token
      const auto as_viewer = http(node, method, path, {bearer(viewer)});
      const bool needs_more = (method != "GET" && pattern != "/api/v1/logout") || pattern == "/api/v1/audit";
      if (needs_more) {
        CHECK(as_viewer.status == 403);
        CHECK_THAT(as_viewer.body, Catch::Contains("may not do this"));
      } else {
        CHECK(as_viewer.status != 401);
        CHECK(as_viewer.status != 403);
      }
      refused += (anonymous.status == 401) + (needs_more && as_viewer.status == 403);
    }
  }
  CHECK(tried >= 30);
  // Nothing changed: no pause, no re-run.
  CHECK(json::parse(ctl(node, "--json pauses").output).empty());
  // An operator may change, not read the audit trail; an admin may.
  CHECK(http(node, "POST", "/api/v1/pipelines/bone_age/pause", {bearer(operator_token)}).status == 200);
  CHECK(http(node, "GET", "/api/v1/audit", {bearer(operator_token)}).status == 403);
  CHECK(http(node, "GET", "/api/v1/audit", {bearer(admin)}).status == 200);
  CHECK(http(node, "GET", "/metrics", {bearer(viewer)}).status == 200);  // Prometheus with a viewer token

  // Console sessions: a cookie, and a CSRF token for changes; logout ends it.
  const auto login = http(node, "POST", "/api/v1/login", {}, R"({"user": "otto", "password": "operator password 1"})");
  REQUIRE(login.status == 200);
  std::smatch cookie;
  REQUIRE(std::regex_search(login.headers, cookie, std::regex("Set-Cookie: (osteon_session=[0-9a-f]{64})")));
  CHECK_THAT(login.headers, Catch::Contains("HttpOnly") && Catch::Contains("SameSite=Strict"));
  const auto session = "Cookie: " + cookie[1].str();
  const auto csrf = json::parse(login.body)["csrf"].get<std::string>();
  CHECK(http(node, "GET", "/api/v1/me", {session}).body.find("\"user\":\"otto\"") != std::string::npos);
  CHECK(http(node, "POST", "/api/v1/pipelines/bone_age/resume", {session}).status == 403);  // no CSRF token
  CHECK(http(node, "POST", "/api/v1/pipelines/bone_age/resume", {session, "X-CSRF-Token: " + std::string(64, '0')}).status == 403);
  CHECK(json::parse(ctl(node, "--json pauses").output).size() == 1);  // still paused
  CHECK(http(node, "POST", "/api/v1/pipelines/bone_age/resume", {session, "X-CSRF-Token: " + csrf}).status == 200);
  CHECK(http(node, "POST", "/api/v1/logout", {session, "X-CSRF-Token: " + csrf}).status == 200);
  CHECK(http(node, "GET", "/api/v1/me", {session}).status == 401);

  // Wrong passwords: the same answer for a wrong password and an unknown user; locked out after 3.
  const auto try_login = [&](const std::string& user, const std::string& password) {
    return http(node, "POST", "/api/v1/login", {}, json{{"user", user}, {"password", password}}.dump());
  };
  const auto unknown = try_login("nobody", "whatever it is");
  const auto wrong = try_login("vera", "not her password");
  CHECK(unknown.status == 401);
  CHECK(unknown.body == wrong.body);
  CHECK(try_login("vera", "still not it").status == 401);
  CHECK(try_login("vera", "third wrong one").status == 401);
  const auto locked = try_login("vera", "viewer password 1");  // right, but locked out
  CHECK(locked.status == 429);
  CHECK_THAT(locked.body, Catch::Contains("locked until"));
  CHECK(http(node, "POST", "/api/v1/login", {}, "not json").status == 400);
  // osteonctl passwd ends the lock-out.
  REQUIRE(ctl(node, "user passwd vera", "a new viewer password\\n").exit_code == 0);
  CHECK(try_login("vera", "a new viewer password").status == 200);

  // Hostile requests: SQL metacharacters in every filter of every listing, path traversal, a
  // removed user's token, a cross-origin preflight.
  const std::map<std::string, std::vector<std::string>> filters{
      {"/api/v1/studies", {"study", "series", "modality", "body_part", "calling_ae", "patient_id", "accession", "from", "to"}},
      {"/api/v1/series", {"study", "series", "modality", "body_part", "calling_ae", "patient_id", "accession", "from", "to"}},
      {"/api/v1/instances", {"study", "series", "modality", "body_part", "calling_ae", "patient_id", "accession", "from", "to"}},
      {"/api/v1/associations", {"calling_ae", "from", "to"}},
      {"/api/v1/jobs", {"state", "pipeline", "study", "instance"}},
      {"/api/v1/findings", {"state", "pipeline", "study", "instance"}},
      {"/api/v1/deliveries", {"state", "destination", "study"}},
      {"/api/v1/audit", {"event", "actor", "study", "from", "to"}}};
  int injections = 0;
  for (const auto& [listing, names] : filters) {
    for (const auto& name : names) {
      for (const char* value : {"%27%20OR%201%3D1%20--", "1%27%3B%20DROP%20TABLE%20instances%3B--", "%22%29%20OR%20%28%221%22%3D%221", "%25"}) {
        const auto target = listing + "?" + name + "=" + value;
        INFO(target);
        const auto r = http(node, "GET", target, {bearer(admin)});
        INFO("-> " << r.status << " " << r.body);
        ++injections;
        CHECK((r.status == 200 || r.status == 400));  // 400: a date filter that is not a date
        if (r.status == 200 && listing != "/api/v1/audit") CHECK(json::parse(r.body)["count"] == 0);
      }
    }
  }
  UNSCOPED_INFO("filter values with SQL metacharacters tried: " << injections);
  CHECK(injections >= 150);
  CHECK(http(node, "GET", "/api/v1/stats", {bearer(admin)}).status == 200);  // the tables are all there
  const auto preflight = http(node, "OPTIONS", "/api/v1/pipelines/bone_age/pause",
                              {"Origin: https://elsewhere.example", "Access-Control-Request-Method: POST"});
  CHECK(preflight.status != 200);
  CHECK(preflight.headers.find("Access-Control-Allow") == std::string::npos);  // CORS closed
  CHECK(http(node, "GET", "/api/v1/stats", {bearer(admin), "Origin: https://elsewhere.example"}).headers.find(
            "Access-Control-Allow") == std::string::npos);
  for (const char* path : {"/../../../../etc/passwd", "/api/v1/instances/..%2F..%2F..%2Fetc%2Fpasswd/preview.png",
                           "/api/v1/results/../../osteon.db", "/%2e%2e/%2e%2e/etc/passwd"}) {
    INFO(path);
    const auto r = http(node, "GET", path, {bearer(admin)});
    CHECK((r.status == 404 || r.status == 400));
    CHECK(r.body.find("root:") == std::string::npos);
  }
  REQUIRE(ctl(node, "user remove otto").exit_code == 0);
  // A node whose configuration keeps osteonctl out of its users.
  const fs::path fixed = dir.path() / "fixed-users.toml";
  std::ofstream(fixed) << "[node]\ndata_dir = \"" << node.data_dir().string() << "\"\n[http]\nosteonctl_manages_users = false\n";
  const auto refused_add = ctl(node, "--config '" + fixed.string() + "' user add mallory --role admin", "a long password 1\n");
  CHECK(refused_add.exit_code != 0);
  CHECK_THAT(refused_add.output, Catch::Contains("osteonctl_manages_users = false"));
  CHECK(http(node, "GET", "/api/v1/stats", {bearer(operator_token)}).status == 401);

  // The audit trail has each case.
  const auto audit = json::parse(http(node, "GET", "/api/v1/audit?limit=1000", {bearer(admin)}).body)["items"];
  const auto count = [&](const std::function<bool(const json&)>& match) { return std::count_if(audit.begin(), audit.end(), match); };
  CHECK(count([](const json& a) { return a["event_type"] == "Use of Restricted Function" && a["actor"] == "vera"; }) >= 10);
  CHECK(count([](const json& a) { return a["outcome_text"] == "missing or wrong X-CSRF-Token"; }) == 2);
  CHECK(count([](const json& a) { return a["outcome_text"] == "unknown or revoked API token"; }) >= 1);
  CHECK(count([](const json& a) { return a["event"] == "User Authentication" && a["outcome"] == 4 && a["actor"] == "vera"; }) == 4);
  CHECK(count([](const json& a) { return a["event_type"] == "Login" && a["outcome"] == 0 && a["actor"] == "otto"; }) == 1);
  CHECK(count([](const json& a) { return a["event_type"] == "Logout" && a["actor"] == "otto"; }) == 1);
  CHECK(count([](const json& a) { return a["actor"] == "otto" && a["detail"] == "paused pipeline bone_age"; }) == 1);
  CHECK(count([](const json& a) { return a["event_type"] == "User security Attributes Changed"; }) >= 8);
  UNSCOPED_INFO("requests tried without credentials and as a viewer: " << tried << " routes, refused " << refused);
  CHECK(refused >= tried);
  CHECK(node.stop() == 0);
}
