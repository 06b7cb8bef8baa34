#pragma once
// The admin console's HTTP/1.1 server (Boost.Beast, inside the node's process): keep-alive,
// request size and time limits, a fixed pool of threads. Beast-free header.
#include <functional>
#include <memory>
#include <string>

#include "osteon/admin/http.hpp"

namespace osteon::admin {

class HttpServer {
 public:
  /// `router` must outlive the server. `on_tls_failure(peer, reason)`, when given, hears of each
  /// failed HTTPS handshake (the node audits them).
  HttpServer(HttpSettings settings, const Router& router,
             std::function<void(const std::string& peer, const std::string& reason)> on_tls_failure = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds the port (connections wait until serve()). A bind failure: Error(config_invalid)
  /// "cannot listen on host:port for HTTP (why)".
  void listen();
  /// Starts the threads that accept and serve (listening first when listen() was not called).
  void serve();
  /// listen() and serve().
  void start();
  /// The port actually bound (settings.port, or the one chosen for port 0).
  int port() const;
  /// Stops accepting, lets requests being handled finish, closes kept-alive connections.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace osteon::admin
