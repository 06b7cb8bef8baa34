#pragma once
// Telling systemd how the node is (sd_notify): the Debian package's unit is Type=notify with a
// watchdog. Outside systemd (no NOTIFY_SOCKET) every call does nothing.
#include <chrono>
#include <string>

namespace osteon::app::service_manager {

/// Serving: the listeners are up and the models loaded. `status` is shown by systemctl status.
void ready(const std::string& status);
/// Re-reading the configuration (SIGHUP); ready() again when done.
void reloading();
/// Stopping gracefully.
void stopping(const std::string& status);
/// How often to send keep_alive(): half the unit's WatchdogSec, or zero when there is no watchdog.
std::chrono::microseconds keep_alive_interval();
/// The watchdog keep-alive.
void keep_alive();

} // namespace osteon::app::service_manager
