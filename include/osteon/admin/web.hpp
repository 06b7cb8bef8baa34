#pragma once
// The admin console's web UI: the files of web/ (embedded at build time) served at / .
#include "osteon/admin/http.hpp"

namespace osteon::admin {

/// GET / (index.html) and GET /<file> for every embedded web file.
void add_web(Router& router);

} // namespace osteon::admin
