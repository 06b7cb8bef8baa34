#pragma once
#include <functional>

#include "osteon/app/config.hpp"

namespace osteon::app {

/// Runs the node in the foreground until SIGTERM or SIGINT; returns the process exit code.
/// Start-up: lock the data directory, migrate the database, recover the spool after an unclean
/// stop, listen, tell systemd READY. Stop: refuse new associations, let open ones finish within
/// the grace period, close the database, mark the stop as clean. SIGHUP: `reload` (empty: the
/// same configuration) gives the configuration whose routing profiles and delivery destinations
/// and known peers are put in force; a reload that fails keeps those in force and says why.
int run_node(const Config& config, const std::function<Config()>& reload = {});

} // namespace osteon::app
