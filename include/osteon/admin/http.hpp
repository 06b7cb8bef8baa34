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
  std::string bind = "127.0.0.1";           // loopback by default: the console has no login yet
  int port = 8080;                          // 0: any free port (tests)
  std::int64_t max_body_bytes = 64 << 20;   // larger request bodies are refused (413)
  int request_timeout_s = 30;               // a request must arrive whole within this
  int idle_timeout_s = 60;                  // a kept-alive connection with no request is closed
  int threads = 2;                          // requests served at once
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded, without the query
  std::map<std::string, std::string, std::less<>> query;   // decoded query parameters
  std::map<std::string, std::string, std::less<>> params;  // {name} segments of the route
  std::string content_type;
  std::string body;
  std::string peer;  // the client's address (for the audit trail)

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
class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler);
  Response handle(Request request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

/// {"error": {"code": <name>, "message": <message>}} with the code's HTTP status (core's table).
Response error_response(Errc code, std::string_view message);

/// Splits "a=1&b=x%20y" into decoded pairs ('+' is a space). Malformed escapes: invalid_argument.
std::map<std::string, std::string, std::less<>> parse_query(std::string_view query);
/// Decodes %XX escapes (and '+' when `plus_is_space`). Malformed: Error(invalid_argument).
std::string url_decode(std::string_view text, bool plus_is_space);

} // namespace osteon::admin
