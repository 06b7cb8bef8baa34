#include "osteon/app/service_manager.hpp"

#include <ctime>

#include <systemd/sd-daemon.h>

#include <fmt/format.h>

#include "osteon/core/log.hpp"

namespace osteon::app::service_manager {

namespace {

void notify(const std::string& state) {
  const int r = ::sd_notify(0, state.c_str());
  if (r < 0) log::warn("systemd.notify_failed", {{"state", state.substr(0, state.find('\n'))}, {"errno", -r}});
}

std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\n') c = ' ';
  return s;
}

} // namespace

void ready(const std::string& status) { notify(fmt::format("READY=1\nSTATUS={}", one_line(status))); }

void reloading() {
  // MONOTONIC_USEC lets systemd (253+, Type=notify-reload) tell this reload from an older one.
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  const auto usec = static_cast<long long>(now.tv_sec) * 1000000LL + now.tv_nsec / 1000;
  notify(fmt::format("RELOADING=1\nMONOTONIC_USEC={}\nSTATUS=reloading the configuration", usec));
}

void stopping(const std::string& status) { notify(fmt::format("STOPPING=1\nSTATUS={}", one_line(status))); }

std::chrono::microseconds keep_alive_interval() {
  uint64_t usec = 0;
  if (::sd_watchdog_enabled(0, &usec) <= 0) return std::chrono::microseconds(0);
  return std::chrono::microseconds(static_cast<std::int64_t>(usec / 2));
}

void keep_alive() { notify("WATCHDOG=1"); }

} // namespace osteon::app::service_manager
