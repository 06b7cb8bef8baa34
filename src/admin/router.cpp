#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "osteon/admin/http.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"

namespace osteon::admin {

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    if (end > start) out.emplace_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

} // namespace

std::string url_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      const int hi = i + 2 < text.size() ? hex_digit(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        throw Error(Errc::invalid_argument, fmt::format("malformed percent escape in '{}'", text));
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::map<std::string, std::string, std::less<>> parse_query(std::string_view query) {
  std::map<std::string, std::string, std::less<>> out;
  std::size_t start = 0;
  while (start < query.size()) {
    auto end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const auto pair = query.substr(start, end - start);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      const auto key = url_decode(pair.substr(0, eq), true);
      out[key] = eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1), true);
    }
    start = end + 1;
  }
  return out;
}

std::optional<std::string> Request::get(std::string_view name) const {
  const auto it = query.find(name);
  if (it == query.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::int64_t Request::integer(std::string_view name, std::int64_t fallback, std::int64_t min, std::int64_t max) const {
  const auto text = get(name);
  if (!text) return fallback;
  std::size_t used = 0;
  std::int64_t value = 0;
  try {
    value = std::stoll(*text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text->size() || value < min || value > max)
    throw Error(Errc::invalid_argument, fmt::format("'{}' must be an integer from {} to {}", name, min, max));
  return value;
}

const std::string& Request::param(std::string_view name) const {
  const auto it = params.find(name);
  if (it == params.end()) throw Error(Errc::internal, fmt::format("route has no parameter '{}'", name));
  return it->second;
}

Response error_response(Errc code, std::string_view message) {
  Response r;
  r.status = info(code).http_status;
  // The message may quote what a client sent (a path that is not UTF-8): such bytes become U+FFFD
  // instead of a json::type_error that would end the request's thread (found by fuzz/fuzz_http).
  r.body = nlohmann::json{{"error", {{"code", info(code).name}, {"message", message}}}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

void Router::add(std::string method, std::string pattern, Handler handler, Access access) {
  if (access == Access::by_method) access = method == "GET" || method == "HEAD" ? Access::viewer : Access::operator_;
  routes_.push_back({std::move(method), split_path(pattern), std::move(handler), access});
}

Response Router::handle(Request request) const {
  const auto segments = split_path(request.path);
  std::vector<std::string> allowed;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string, std::less<>> params;
    bool match = true;
    for (std::size_t i = 0; match && i < segments.size(); ++i) {
      const auto& want = route.segments[i];
      if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
        params[want.substr(1, want.size() - 2)] = segments[i];
      } else {
        match = want == segments[i];
      }
    }
    if (!match) continue;
    if (route.method != request.method && !(route.method == "GET" && request.method == "HEAD")) {
      allowed.push_back(route.method);
      continue;
    }
    request.params = std::move(params);
    try {
      if (authorizer_ && route.access != Access::open) {
        if (auto refused = authorizer_(request, route.access)) return *refused;
      }
      return route.handler(request);
    } catch (const Error& e) {
      if (info(e.code()).http_status >= 500)
        log::warn("http.error", {{"method", request.method}, {"path", request.path}, {"error", e.what()}});
      return error_response(e.code(), e.what());
    } catch (const std::exception& e) {
      log::error("http.internal", {{"method", request.method}, {"path", request.path}, {"error", e.what()}});
      return error_response(Errc::internal, e.what());
    }
  }
  if (!allowed.empty()) {
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    auto r = error_response(Errc::method_not_allowed, fmt::format("{} is not allowed on {} (allowed: {})",
                                                                    request.method, request.path, allow));
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  return error_response(Errc::not_found, fmt::format("no such resource: {}", request.path));
}

} // namespace osteon::admin
