#include "osteon/app/audit_forwarder.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"
#include "osteon/db/audit_repository.hpp"
#include "osteon/db/database.hpp"

namespace fs = std::filesystem;

namespace osteon::app {

namespace {

std::string text(const db::Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  return "";
}

std::string xml_escape(std::string_view in) {
  std::string out;
  for (const char c : in) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 has no control characters other than tab and line breaks.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r') out += c;
    }
  }
  return out;
}

std::string coded(const char* element, std::string_view code, std::string_view system, std::string_view meaning) {
  return fmt::format(R"(<{} csd-code="{}" codeSystemName="{}" originalText="{}"/>)", element, xml_escape(code),
                     xml_escape(system), xml_escape(meaning));
}

// The event type codes the node writes, by their meaning (the table keeps the meaning).
std::string type_code(std::string_view meaning) {
  for (const auto& c : {db::audit::application_start, db::audit::application_stop, db::audit::login, db::audit::logout,
                        db::audit::node_authentication, db::audit::software_configuration,
                        db::audit::use_of_restricted_function, db::audit::user_security_attributes_changed}) {
    if (meaning == c.meaning) return c.code;
  }
  return "";
}

// Columns of AuditRepository::list / after.
enum Column { id, at, event_id, event, event_type, action, outcome, outcome_text, actor, actor_host, actor_subject,
              destination, study_uid, sop_instance_uid, patient_id, detail };

} // namespace

std::string audit_message_xml(const std::vector<db::Value>& row, const std::string& node_ae) {
  const auto col = [&](Column c) { return text(row.at(c)); };
  std::string description = col(outcome_text);
  if (!col(detail).empty()) description += (description.empty() ? "" : "; ") + col(detail);
  std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>)";
  xml += "<AuditMessage>";
  xml += fmt::format(R"(<EventIdentification EventActionCode="{}" EventDateTime="{}" EventOutcomeIndicator="{}">)",
                     xml_escape(col(action)), xml_escape(col(at)), xml_escape(col(outcome)));
  xml += coded("EventID", col(event_id), "DCM", col(event));
  if (const auto code = type_code(col(event_type)); !code.empty()) xml += coded("EventTypeCode", code, "DCM", col(event_type));
  if (!description.empty()) xml += "<EventOutcomeDescription>" + xml_escape(description) + "</EventOutcomeDescription>";
  xml += "</EventIdentification>";
  const bool transfer = col(event_id) == db::audit::instances_transferred.code;
  // Who acted (a calling AE title with its host, a console user, osteonctl:<user>, or the node).
  const auto who = col(actor).empty() ? std::string("unknown") : col(actor);
  xml += fmt::format(R"(<ActiveParticipant UserID="{}"{}{} UserIsRequestor="true")", xml_escape(who),
                     col(actor_subject).empty() ? "" : fmt::format(R"( UserName="{}")", xml_escape(col(actor_subject))),
                     col(actor_host).empty()
                         ? ""
                         : fmt::format(R"( NetworkAccessPointID="{}" NetworkAccessPointTypeCode="2")", xml_escape(col(actor_host))));
  xml += transfer ? ">" + coded("RoleIDCode", "110153", "DCM", "Source Role ID") + "</ActiveParticipant>" : "/>";
  if (who != node_ae) {
    xml += fmt::format(R"(<ActiveParticipant UserID="{}" UserIsRequestor="false")", xml_escape(node_ae));
    xml += transfer && col(destination).empty() ? ">" + coded("RoleIDCode", "110152", "DCM", "Destination Role ID") + "</ActiveParticipant>"
                                                : "/>";
  }
  if (!col(destination).empty()) {
    xml += fmt::format(R"(<ActiveParticipant UserID="{}" UserIsRequestor="false">)", xml_escape(col(destination)));
    xml += coded("RoleIDCode", "110152", "DCM", "Destination Role ID") + "</ActiveParticipant>";
  }
  xml += fmt::format(R"(<AuditSourceIdentification AuditSourceID="{}"/>)", xml_escape(node_ae));
  if (!col(study_uid).empty()) {
    xml += fmt::format(R"(<ParticipantObjectIdentification ParticipantObjectID="{}" ParticipantObjectTypeCode="2" ParticipantObjectTypeCodeRole="3">)",
                       xml_escape(col(study_uid)));
    xml += coded("ParticipantObjectIDTypeCode", "110180", "DCM", "Study Instance UID");
    xml += "</ParticipantObjectIdentification>";
  }
  if (!col(patient_id).empty()) {
    xml += fmt::format(R"(<ParticipantObjectIdentification ParticipantObjectID="{}" ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="1">)",
                       xml_escape(col(patient_id)));
    xml += coded("ParticipantObjectIDTypeCode", "2", "RFC-3881", "Patient Number");
    xml += "</ParticipantObjectIdentification>";
  }
  xml += "</AuditMessage>";
  return xml;
}

struct AuditForwarder::Impl {
  AuditConfig config;
  fs::path database;
  std::string node_ae;
  std::string collector;  // host:port, the key of its progress
  std::string hostname;
  std::thread thread;
  std::mutex mutex;
  std::condition_variable wake;
  std::atomic<bool> stopping{false};
  std::chrono::steady_clock::time_point deadline{};
  // The connection.
  int fd = -1;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;

  ~Impl() {
    disconnect();
    if (ctx) SSL_CTX_free(ctx);
  }

  void disconnect() {
    if (ssl) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
      ssl = nullptr;
    }
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  // Connects (TCP, then TLS when configured); throws Error(network_error) with the reason.
  void connect() {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (const int rc = ::getaddrinfo(config.syslog_host.c_str(), std::to_string(config.syslog_port).c_str(), &hints, &found); rc != 0)
      throw Error(Errc::network_error, fmt::format("cannot resolve {}: {}", config.syslog_host, gai_strerror(rc)));
    std::string why = "no address";
    for (auto* a = found; a != nullptr && fd < 0; a = a->ai_next) {
      fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      timeval timeout{5, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
        why = std::strerror(errno);
        ::close(fd);
        fd = -1;
      }
    }
    ::freeaddrinfo(found);
    if (fd < 0) throw Error(Errc::network_error, fmt::format("cannot connect to {}: {}", collector, why));
    if (!config.syslog_tls) return;
    if (!ctx) {
      ctx = SSL_CTX_new(TLS_client_method());
      SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
      if (SSL_CTX_load_verify_locations(ctx, config.syslog_ca_file.c_str(), nullptr) != 1)
        throw Error(Errc::config_invalid, fmt::format("audit.syslog_ca_file {}: not PEM certificates", config.syslog_ca_file.string()));
      if (!config.syslog_cert_file.empty() &&
          (SSL_CTX_use_certificate_chain_file(ctx, config.syslog_cert_file.c_str()) != 1 ||
           SSL_CTX_use_PrivateKey_file(ctx, config.syslog_key_file.c_str(), SSL_FILETYPE_PEM) != 1))
        throw Error(Errc::config_invalid, "audit.syslog_cert_file / syslog_key_file cannot be used");
    }
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    // The collector's certificate must name the host (or the IP address) we connect to.
    in6_addr ip{};
    if (::inet_pton(AF_INET, config.syslog_host.c_str(), &ip) == 1 || ::inet_pton(AF_INET6, config.syslog_host.c_str(), &ip) == 1) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), config.syslog_host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl, config.syslog_host.c_str());
      SSL_set1_host(ssl, config.syslog_host.c_str());
    }
    ERR_clear_error();
    if (SSL_connect(ssl) != 1) {
      const long verify = SSL_get_verify_result(ssl);
      std::string reason = "handshake failed";
      if (verify != X509_V_OK) {
        reason = X509_verify_cert_error_string(verify);
      } else if (const unsigned long e = ERR_get_error(); e != 0 && ERR_reason_error_string(e) != nullptr) {
        reason = ERR_reason_error_string(e);
      }
      throw Error(Errc::network_error, fmt::format("TLS with {} failed: {}", collector, reason));
    }
  }

  // A collector never sends anything: data or end-of-file waiting on the socket means it closed
  // (or is closing) the connection. Checked before each batch, so that events are not written into
  // a connection that is already gone (syslog over TCP has no acknowledgement).
  bool peer_closed() const {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }

  void send_all(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const auto rest = bytes.size() - sent;
      const long n = ssl ? SSL_write(ssl, bytes.data() + sent, static_cast<int>(rest))
                         : ::send(fd, bytes.data() + sent, rest, MSG_NOSIGNAL);
      if (n <= 0) throw Error(Errc::network_error, fmt::format("sending to {} failed", collector));
      sent += static_cast<std::size_t>(n);
    }
  }

  // RFC 5424 with the DICOM audit message as MSG, framed by octet counting (RFC 6587).
  std::string frame(const std::vector<db::Value>& row) {
    const int severity = std::get<std::int64_t>(row.at(outcome)) == 0 ? 5 : 4;  // notice, warning
    const std::string message = fmt::format("<{}>1 {} {} osteon {} IHE+RFC-3881 - \xEF\xBB\xBF{}", 10 * 8 + severity,
                                            text(row.at(at)), hostname, ::getpid(), audit_message_xml(row, node_ae));
    return fmt::format("{} {}", message.size(), message);
  }

  void run() {
    db::Database db(database);
    db::AuditRepository repo(db);
    auto backoff = std::chrono::seconds(1);
    bool reported = false;
    while (true) {
      bool caught_up = false;
      try {
        const auto rows = repo.after(repo.forwarded(collector), 200).rows;
        if (!rows.empty()) {
          if (fd >= 0 && peer_closed()) disconnect();
          if (fd < 0) connect();
          for (const auto& row : rows) {
            send_all(frame(row));
            repo.set_forwarded(collector, std::get<std::int64_t>(row.at(id)));
          }
          if (reported) log::info("audit.forwarding_resumed", {{"collector", collector}});
          reported = false;
          backoff = std::chrono::seconds(1);
        }
        caught_up = rows.size() < 200;
      } catch (const std::exception& e) {
        disconnect();
        if (!reported) log::warn("audit.forwarding_failed", {{"collector", collector}, {"error", e.what()}});
        reported = true;
      }
      std::unique_lock lock(mutex);
      if (stopping && (caught_up || std::chrono::steady_clock::now() > deadline)) break;
      if (!caught_up && !reported) continue;
      wake.wait_for(lock, reported ? backoff : std::chrono::seconds(1), [&] { return stopping.load(); });
      if (reported) backoff = std::min(backoff * 2, std::chrono::seconds(30));
    }
    disconnect();
  }
};

AuditForwarder::AuditForwarder(AuditConfig config, fs::path database, std::string node_ae)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->database = std::move(database);
  impl_->node_ae = std::move(node_ae);
  impl_->collector = fmt::format("{}:{}", impl_->config.syslog_host, impl_->config.syslog_port);
  char host[256] = "-";
  ::gethostname(host, sizeof host - 1);
  impl_->hostname = host;
}

AuditForwarder::~AuditForwarder() { stop(); }

void AuditForwarder::start() {
  impl_->thread = std::thread([this] { impl_->run(); });
  log::info("audit.forwarding", {{"collector", impl_->collector}, {"tls", impl_->config.syslog_tls}});
}

void AuditForwarder::stop() {
  if (!impl_->thread.joinable()) return;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  impl_->thread.join();
}

} // namespace osteon::app
