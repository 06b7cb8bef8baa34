#pragma once
// Private to the admin layer (and its fuzz harness): a request as Beast parsed it, turned into
// the router's Request (decoded path, query parameters, the headers the console uses).
#include <string>

#include <boost/beast/http.hpp>

#include "osteon/admin/http.hpp"

namespace osteon::admin::detail {

Request to_request(const boost::beast::http::request<boost::beast::http::string_body>& in, std::string peer);

} // namespace osteon::admin::detail
