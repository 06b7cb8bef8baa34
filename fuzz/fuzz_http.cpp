// An HTTP request to the admin console, as bytes off the wire: Beast's parser with the node's
// limits, the request as the server builds it (decoded path, query parameters), and the router
// with routes of the API's shapes ({id} segments, integer and text query parameters).
#include <cstdint>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "../src/admin/beast_request.hpp"
#include "fuzz_support.hpp"
#include "osteon/core/error.hpp"

namespace http = boost::beast::http;

namespace {

const osteon::admin::Router& router() {
  static const osteon::admin::Router r = [] {
    using namespace osteon::admin;
    Router out;
    out.add("GET", "/api/v1/jobs", [](const Request& q) {
      Response resp;
      resp.body = std::to_string(q.integer("limit", 1000, 1, 100000)) + q.get("state").value_or("") + q.get("study").value_or("");
      return resp;
    });
    out.add("POST", "/api/v1/jobs/{id}/rerun", [](const Request& q) {
      Response resp;
      resp.body = q.param("id") + q.body;
      return resp;
    });
    out.add("GET", "/api/v1/studies/{uid}/instances/{sop}", [](const Request& q) {
      Response resp;
      resp.body = q.param("uid") + q.param("sop");
      return resp;
    }, Access::viewer);
    return out;
  }();
  return r;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  http::request_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  parser.header_limit(64 * 1024);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_done()) return 0;
  try {
    (void)router().handle(osteon::admin::detail::to_request(parser.get(), "127.0.0.1"));
  } catch (const osteon::Error&) {
    // a malformed escape in the target: the server answers 400
  }
  return 0;
}
