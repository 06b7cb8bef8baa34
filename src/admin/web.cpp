// The web UI's files, compiled into the binary (web/), served at / .
#include "osteon/admin/web.hpp"

#include <string_view>

#include "osteon/core/embedded.hpp"

namespace osteon::admin {

namespace {
std::string content_type(std::string_view name) {
  const auto ends = [&](std::string_view ext) { return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext; };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".json")) return "application/json";
  return "application/octet-stream";
}
} // namespace

void add_web(Router& router) {
  for (const auto& file : embedded::web_assets()) {
    const auto* f = &file;
    const auto serve = [f](const Request&) {
      Response r;
      r.content_type = content_type(f->name);
      r.body = f->bytes;
      // The page may only load its own scripts and styles, and talk to this node.
      r.headers.emplace_back("Content-Security-Policy",
                             "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
      return r;
    };
    // The page and its files are public (the login screen is part of them); the data is not.
    router.add("GET", "/" + file.name, serve, Access::open);
    if (file.name == "index.html") router.add("GET", "/", serve, Access::open);
    if (file.name == "openapi.json") router.add("GET", "/api/v1/openapi.json", serve, Access::open);
  }
}

} // namespace osteon::admin
