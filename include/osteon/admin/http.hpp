#pragma once
// The admin console's HTTP model: requests, responses and the router that maps "METHOD /path"
// to a handler. Beast-free: handlers and tests use these types; only src/admin/http_server.cpp
// speaks HTTP on the wire (Boost.Beast).
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "osteon/core/error.hpp"

namespace osteon::admin {

struct HttpSettings {
  bool enabled = true;
  std::string bind = "127.0.0.1";           // loopback by default
  int port = 8080;                          // 0: any free port (tests)
  std::int64_t max_body_bytes = 64 << 20;   // larger request bodies are refused (413)
  int request_timeout_s = 30;               // a request must arrive whole within this
  int idle_timeout_s = 60;                  // a kept-alive connection with no request is closed
  int threads = 2;                          // requests served at once
  bool auth = true;                         // users with roles (osteonctl user ...); false: loopback only
  std::string tls_cert_file;                // HTTPS when set: the certificate (chain, PEM) ...
  std::string tls_key_file;                 // ... and its key (PEM, not encrypted)
  bool allow_plain_http = false;            // plain HTTP on an address other than loopback
  bool osteonctl_manages_users = true;      // false: osteonctl user ... refuses (users are fixed)
  bool tls() const { return !tls_cert_file.empty(); }
  int session_minutes = 480;                // a console login lasts this long
  int lockout_failures = 5;                 // failed logins in a row before a user is locked out ...
  int lockout_minutes = 15;                 // ... for this long
};

/// Who may call a route. by_method: GET and HEAD need a viewer, other methods an operator.
enum class Access { open, viewer, operator_, admin, by_method };

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded, without the query
  std::map<std::string, std::string, std::less<>> query;   // decoded query parameters
  std::map<std::string, std::string, std::less<>> params;  // {name} segments of the route
  std::string content_type;
  std::string body;
  std::string peer;  // the client's address (for the audit trail)
  std::map<std::string, std::string, std::less<>> headers;  // lower-case names: authorization, cookie, x-csrf-token
  std::string user;  // set by the authorizer: who is asking ("" when the console has no login)
  std::string role;
  std::string csrf;  // on a console session: its CSRF token

  /// A query parameter, when present and not empty.
  std::optional<std::string> get(std::string_view name) const;
  /// An integer query parameter within [min, max]; `fallback` when absent.
  /// Anything else: Error(invalid_argument) naming the parameter.
  std::int64_t integer(std::string_view name, std::int64_t fallback, std::int64_t min, std::int64_t max) const;
  /// A {name} segment of the route.
  const std::string& param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Allow, Content-Disposition)
};

using Handler = std::function<Response(const Request&)>;

/// Routes: "/api/v1/jobs/{id}/rerun" matches a path segment by segment, {name} captures one
/// segment. A path no route matches is 404; a path some route matches with another method is 405
/// (with Allow). A handler's osteon::Error becomes {"error": {"code", "message"}} with the HTTP
/// status of the code (core's error table); any other exception is 500 "internal".
/// Before a route's handler runs, the authorizer (when set) sees the request and the role the
/// route needs: it sets request.user/role and returns nothing, or returns the refusal (401, 403).
using Authorizer = std::function<std::optional<Response>(Request& request, Access needed)>;

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler, Access access = Access::by_method);
  void set_authorizer(Authorizer authorizer) { authorizer_ = std::move(authorizer); }
  Response handle(Request request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
    Access access;
  };
  std::vector<Route> routes_;
  Authorizer authorizer_;
};

/// {"error": {"code": <name>, "message": <message>}} with the code's HTTP status (core's table).
Response error_response(Errc code, std::string_view message);

/// Splits "a=1&b=x%20y" into decoded pairs ('+' is a space). Malformed escapes: invalid_argument.
std::map<std::string, std::string, std::less<>> parse_query(std::string_view query);
/// Decodes %XX escapes (and '+' when `plus_is_space`). Malformed: Error(invalid_argument).
std::string url_decode(std::string_view text, bool plus_is_space);

} // namespace osteon::admin
