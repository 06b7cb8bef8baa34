// The admin layer's HTTP model and server: routing, JSON errors from core's error table, limits,
// keep-alive. The server is spoken to by curl over loopback (a real client, not our own code).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "osteon/admin/http.hpp"
#include "osteon/admin/http_server.hpp"
#include "osteon/core/error.hpp"
#include "process.hpp"

using namespace osteon;
using nlohmann::json;

namespace {

admin::Router sample_router() {
  admin::Router router;
  router.add("GET", "/api/v1/things/{id}", [](const admin::Request& r) {
    admin::Response out;
    out.body = json{{"id", r.param("id")}, {"q", r.get("q").value_or("")}, {"n", r.integer("n", 7, 1, 10)}}.dump();
    return out;
  });
  router.add("POST", "/api/v1/things/{id}", [](const admin::Request& r) {
    admin::Response out;
    out.status = 201;
    out.body = json{{"size", r.body.size()}}.dump();
    return out;
  });
  router.add("GET", "/api/v1/missing", [](const admin::Request&) -> admin::Response {
    throw Error(Errc::not_found, "nothing here");
  });
  router.add("GET", "/api/v1/broken", [](const admin::Request&) -> admin::Response {
    throw std::runtime_error("a bug");
  });
  return router;
}

admin::Request get(std::string path, std::map<std::string, std::string, std::less<>> query = {}) {
  admin::Request r;
  r.method = "GET";
  r.path = std::move(path);
  r.query = std::move(query);
  return r;
}

json error_of(const admin::Response& r) { return json::parse(r.body).at("error"); }

} // namespace

TEST_CASE("the router matches segments, and every failure is a JSON error with its table status", "[http]") {
  const auto router = sample_router();
  auto ok = router.handle(get("/api/v1/things/42", {{"q", "a b"}}));
  CHECK(ok.status == 200);
  CHECK(json::parse(ok.body) == json{{"id", "42"}, {"q", "a b"}, {"n", 7}});

  const auto missing = router.handle(get("/api/v1/missing"));
  CHECK(missing.status == 404);
  CHECK(error_of(missing) == json{{"code", "not_found"}, {"message", "nothing here"}});

  const auto unknown = router.handle(get("/api/v2/nothing"));
  CHECK(unknown.status == 404);
  CHECK(error_of(unknown).at("code") == "not_found");

  admin::Request del = get("/api/v1/things/1");
  del.method = "DELETE";
  const auto not_allowed = router.handle(del);
  CHECK(not_allowed.status == 405);
  CHECK(error_of(not_allowed).at("code") == "method_not_allowed");
  REQUIRE(not_allowed.headers.size() == 1);
  CHECK(not_allowed.headers[0] == std::pair<std::string, std::string>{"Allow", "GET, POST"});

  const auto bad_number = router.handle(get("/api/v1/things/1", {{"n", "11"}}));
  CHECK(bad_number.status == 400);
  CHECK(error_of(bad_number).at("message") == "'n' must be an integer from 1 to 10");

  const auto bug = router.handle(get("/api/v1/broken"));
  CHECK(bug.status == 500);
  CHECK(error_of(bug).at("code") == "internal");
}

TEST_CASE("query strings and paths are decoded", "[http]") {
  const auto q = admin::parse_query("a=1&b=x%20y+z&empty=&flag");
  CHECK(q.at("a") == "1");
  CHECK(q.at("b") == "x y z");
  CHECK(q.at("empty").empty());
  CHECK(q.at("flag").empty());
  CHECK(admin::url_decode("/a%2Fb+c", false) == "/a/b+c");
  CHECK_THROWS_AS(admin::url_decode("%G1", false), Error);
  CHECK_THROWS_AS(admin::url_decode("%4", false), Error);
}

TEST_CASE("the server speaks HTTP/1.1 to curl: keep-alive, limits, errors", "[http]") {
  const auto router = sample_router();
  admin::HttpSettings settings;
  settings.port = 0;
  settings.max_body_bytes = 1024;
  admin::HttpServer server(settings, router);
  server.start();
  const auto base = "http://127.0.0.1:" + std::to_string(server.port());

  // Two requests on one connection: curl reuses it when the server keeps it alive.
  auto two = test::run({"curl", "-sS", "-v", base + "/api/v1/things/1?q=x", base + "/api/v1/things/2"});
  REQUIRE(two.exit_code == 0);
  CHECK_THAT(two.output, Catch::Contains("{\"id\":\"1\",\"n\":7,\"q\":\"x\"}"));
  CHECK_THAT(two.output, Catch::Contains("{\"id\":\"2\",\"n\":7,\"q\":\"\"}"));
  CHECK_THAT(two.output, Catch::Contains("Re-using existing connection"));
  CHECK_THAT(two.output, Catch::Contains("Content-Type: application/json"));

  auto posted = test::run({"curl", "-sS", "-w", " %{http_code}", "-X", "POST", "--data-binary", "hello",
                           base + "/api/v1/things/9"});
  CHECK(posted.output == "{\"size\":5} 201");

  const std::string big(4096, 'x');
  auto too_big = test::run({"curl", "-sS", "-w", " %{http_code}", "-X", "POST", "--data-binary", big,
                            base + "/api/v1/things/9"});
  CHECK_THAT(too_big.output, Catch::Contains("\"code\":\"too_large\"") && Catch::EndsWith(" 413"));

  auto not_allowed = test::run({"curl", "-sS", "-i", "-X", "PUT", base + "/api/v1/things/9"});
  CHECK_THAT(not_allowed.output, Catch::Contains("HTTP/1.1 405") && Catch::Contains("Allow: GET, POST"));

  auto head = test::run({"curl", "-sS", "-I", base + "/api/v1/things/3"});
  CHECK_THAT(head.output, Catch::Contains("HTTP/1.1 200"));

  server.stop();
  auto refused = test::run({"curl", "-sS", "--max-time", "5", base + "/api/v1/things/1"});
  CHECK(refused.exit_code != 0);
}
