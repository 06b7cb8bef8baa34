#pragma once
#include "osteon/app/config.hpp"

namespace osteon::app {

/// Runs the node in the foreground until SIGTERM or SIGINT; returns the process exit code.
/// Start-up: lock the data directory, migrate the database, recover the spool after an unclean
/// stop, listen. Stop: refuse new associations, let open ones finish within the grace period,
/// close the database, mark the stop as clean.
int run_node(const Config& config);

} // namespace osteon::app
