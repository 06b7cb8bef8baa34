// HTTP on the wire: one acceptor and a session per connection, on a small thread pool.
// Each session reads a request (header and body limits, a deadline), asks the router, writes
// the response, and keeps the connection when the client asked for keep-alive. With a
// certificate configured the sessions speak HTTPS (TLS 1.2 or newer, OpenSSL through Asio).
#include "osteon/admin/http_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <type_traits>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "beast_request.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"

namespace osteon::admin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

Request detail::to_request(const http::request<http::string_body>& in, std::string peer) {
  Request r;
  r.peer = std::move(peer);
  r.method = std::string(in.method_string());
  const std::string_view target(in.target().data(), in.target().size());
  const auto q = target.find('?');
  r.path = url_decode(target.substr(0, q), false);
  if (q != std::string_view::npos) r.query = parse_query(target.substr(q + 1));
  r.content_type = std::string(in[http::field::content_type]);
  for (const auto field : {http::field::authorization, http::field::cookie}) {
    if (const auto it = in.find(field); it != in.end())
      r.headers[field == http::field::authorization ? "authorization" : "cookie"] = std::string(it->value());
  }
  if (const auto it = in.find("X-CSRF-Token"); it != in.end()) r.headers["x-csrf-token"] = std::string(it->value());
  r.body = in.body();
  return r;
}

namespace {

// A connection: Stream is beast::tcp_stream (HTTP) or beast::ssl_stream<beast::tcp_stream> (HTTPS).
template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(tcp::socket socket, const Router& router, const HttpSettings& settings)
    requires std::is_same_v<Stream, beast::tcp_stream>
      : stream_(std::move(socket)), router_(router), settings_(settings) {}
  using TlsFailure = std::function<void(const std::string&, const std::string&)>;
  Session(tcp::socket socket, asio::ssl::context& tls, const Router& router, const HttpSettings& settings,
          const TlsFailure& on_tls_failure)
    requires(!std::is_same_v<Stream, beast::tcp_stream>)
      : stream_(std::move(socket), tls), router_(router), settings_(settings), on_tls_failure_(&on_tls_failure) {}

  void run() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read();
    } else {
      // The handshake first, within the request deadline; a client that is not TLS is dropped.
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(settings_.request_timeout_s));
      stream_.async_handshake(asio::ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) {
          beast::error_code peer_ec;
          const auto peer = beast::get_lowest_layer(self->stream_).socket().remote_endpoint(peer_ec);
          const auto address = peer_ec ? std::string() : peer.address().to_string();
          log::warn("http.tls_handshake_failed", {{"peer", address}, {"error", ec.message()}});
          if (self->on_tls_failure_ && *self->on_tls_failure_) (*self->on_tls_failure_)(address, ec.message());
          return self->close();
        }
        self->read();
      });
    }
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(static_cast<std::uint64_t>(settings_.max_body_bytes));
    parser_->header_limit(64 * 1024);
    // The first request has the request deadline; a kept-alive connection waits idle_timeout_s.
    beast::get_lowest_layer(stream_).expires_after(
        std::chrono::seconds(served_ == 0 ? settings_.request_timeout_s : settings_.idle_timeout_s));
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset) {
      return close();
    }
    if (ec == http::error::body_limit) {
      return reply(error_response(Errc::too_large,
                                  fmt::format("request body over {} bytes", settings_.max_body_bytes)), false);
    }
    if (ec) {
      return reply(error_response(Errc::invalid_argument, fmt::format("bad HTTP request: {}", ec.message())), false);
    }
    const auto& in = parser_->get();
    const bool keep_alive = in.keep_alive();
    Response out;
    try {
      beast::error_code peer_ec;
      const auto peer = beast::get_lowest_layer(stream_).socket().remote_endpoint(peer_ec);
      out = router_.handle(detail::to_request(in, peer_ec ? std::string() : peer.address().to_string()));
    } catch (const Error& e) {  // a malformed target
      out = error_response(e.code(), e.what());
    } catch (const std::exception& e) {  // never the end of the serving thread
      log::error("http.internal_error", {{"error", e.what()}});
      out = Response{500, "application/json", R"({"error":{"code":"internal","message":"internal error"}})", {}};
    }
    if (in.method() == http::verb::head) out.body.clear();
    reply(std::move(out), keep_alive);
  }

  void reply(Response r, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
    res->set(http::field::server, "osteon");
    res->set(http::field::content_type, r.content_type);
    res->set(http::field::cache_control, "no-store");
    res->set("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : r.headers) res->set(name, value);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    ++served_;
    if (settings_.tls()) res->set(http::field::strict_transport_security, "max-age=31536000");
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(settings_.request_timeout_s));
    http::async_write(stream_, *res, [self = this->shared_from_this(), res](beast::error_code ec, std::size_t) {
      if (ec || !res->keep_alive()) return self->close();
      self->read();
    });
  }

  void close() {
    beast::error_code ignored;
    auto& tcp_layer = beast::get_lowest_layer(stream_);
    tcp_layer.socket().shutdown(tcp::socket::shutdown_send, ignored);
    tcp_layer.close();
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const Router& router_;
  const HttpSettings& settings_;
  const std::function<void(const std::string&, const std::string&)>* on_tls_failure_ = nullptr;
  std::uint64_t served_ = 0;
};

} // namespace

// The HTTPS context: TLS 1.2 or newer, the certificate (chain) and key of [http]. Files that
// cannot be used: Error(config_invalid) naming them.
std::unique_ptr<asio::ssl::context> make_tls_context(const HttpSettings& s) {
  auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                   asio::ssl::context::single_dh_use);
  beast::error_code ec;
  tls->use_certificate_chain_file(s.tls_cert_file, ec);
  if (ec) throw Error(Errc::config_invalid, fmt::format("http.tls_cert_file {}: {}", s.tls_cert_file, ec.message()));
  tls->use_private_key_file(s.tls_key_file, asio::ssl::context::pem, ec);
  if (ec) throw Error(Errc::config_invalid, fmt::format("http.tls_key_file {}: {}", s.tls_key_file, ec.message()));
  if (SSL_CTX_check_private_key(tls->native_handle()) != 1)
    throw Error(Errc::config_invalid,
                fmt::format("http.tls_key_file {} is not the key of http.tls_cert_file {}", s.tls_key_file, s.tls_cert_file));
  return tls;
}

struct HttpServer::Impl {
  HttpSettings settings;
  const Router& router;
  std::function<void(const std::string&, const std::string&)> on_tls_failure;
  std::unique_ptr<asio::ssl::context> tls;  // HTTPS when set
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;
  int port = 0;
  std::atomic<bool> running{false};

  Impl(HttpSettings s, const Router& r)
      : settings(std::move(s)), router(r), tls(settings.tls() ? make_tls_context(settings) : nullptr),
        io(std::max(1, settings.threads)) {}

  void accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec != asio::error::operation_aborted) log::warn("http.accept_failed", {{"error", ec.message()}});
        if (!acceptor.is_open()) return;
      } else {
        if (tls) {
          std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(socket), *tls, router, settings,
                                                                          on_tls_failure)
              ->run();
        } else {
          std::make_shared<Session<beast::tcp_stream>>(std::move(socket), router, settings)->run();
        }
      }
      accept();
    });
  }
};

HttpServer::HttpServer(HttpSettings settings, const Router& router,
                       std::function<void(const std::string& peer, const std::string& reason)> on_tls_failure)
    : impl_(std::make_unique<Impl>(std::move(settings), router)) {
  impl_->on_tls_failure = std::move(on_tls_failure);
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::listen() {
  auto& s = impl_->settings;
  beast::error_code ec;
  const auto address = asio::ip::make_address(s.bind, ec);
  if (ec) throw Error(Errc::config_invalid, fmt::format("http.bind '{}' is not an IP address", s.bind));
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(s.port));
  auto& acceptor = impl_->acceptor;
  const auto fail = [&](const char* step) {
    throw Error(Errc::config_invalid, fmt::format("cannot listen on {}:{} for HTTP ({}: {})", s.bind, s.port, step,
                                                  ec.message()));
  };
  if (acceptor.open(endpoint.protocol(), ec); ec) fail("open");
  if (acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) fail("reuse_address");
  if (acceptor.bind(endpoint, ec); ec) fail("bind");
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) fail("listen");
  impl_->port = acceptor.local_endpoint().port();
}

void HttpServer::serve() {
  if (impl_->port == 0) listen();
  impl_->accept();
  impl_->running = true;
  for (int i = 0; i < std::max(1, impl_->settings.threads); ++i) impl_->threads.emplace_back([this] { impl_->io.run(); });
  log::info("http.listening", {{"bind", impl_->settings.bind}, {"port", impl_->port}, {"https", impl_->settings.tls()}});
}

void HttpServer::start() {
  listen();
  serve();
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::stop() {
  if (!impl_->running.exchange(false)) return;
  asio::post(impl_->acceptor.get_executor(), [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  // Requests being handled finish; idle kept-alive connections are dropped with the io_context.
  impl_->io.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  log::info("http.stopped", {});
}

} // namespace osteon::admin
