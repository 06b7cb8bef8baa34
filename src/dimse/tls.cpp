#include "tls.hpp"

#include <dcmtk/dcmtls/tlscond.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <mutex>
#include <vector>

#include <fmt/format.h>

#include "osteon/core/error.hpp"
#include "osteon/dimse/storage_scu.hpp"

namespace osteon::dimse {

namespace {

DcmTLSSecurityProfile tls_profile(const std::string& name) {
  if (name == "bcp195") return TSP_Profile_BCP195;
  if (name == "bcp195-ex") return TSP_Profile_BCP195_Extended;
  return TSP_Profile_BCP195_ND;
}

thread_local std::string verify_problem;

int record_verify_problem(int ok, X509_STORE_CTX* ctx) {
  if (!ok && verify_problem.empty()) {
    std::string subject;
    if (X509* cert = X509_STORE_CTX_get_current_cert(ctx)) {
      char buf[256] = {};
      X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
      subject = buf;
    }
    verify_problem = fmt::format("{} (certificate {}, depth {})",
                                 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)), subject,
                                 X509_STORE_CTX_get_error_depth(ctx));
  }
  return ok;
}

} // namespace

const std::string& last_verify_problem() { return verify_problem; }
void clear_verify_problem() { verify_problem.clear(); }

std::unique_ptr<DcmTLSTransportLayer> make_tls_layer(const TlsSettings& tls, T_ASC_NetworkRole role, std::string& error) {
  static std::once_flag openssl_initialised;
  std::call_once(openssl_initialised, [] { DcmTLSTransportLayer::initializeOpenSSL(); });
  auto layer = std::make_unique<DcmTLSTransportLayer>(role, nullptr, OFFalse);
  if (!*layer) {
    error = "cannot create a TLS context";
    return nullptr;
  }
  OFCondition cond;
  if (!tls.cert_file.empty()) {
    layer->setPrivateKeyPasswd("");  // never prompt on a terminal for a key password
    if ((cond = layer->setPrivateKeyFile(tls.key_file.c_str(), DCF_Filetype_PEM)).bad()) {
      error = fmt::format("cannot load tls_key_file {} (an unencrypted PEM private key): {}", tls.key_file.string(),
                          cond.text());
      return nullptr;
    }
    if ((cond = layer->setCertificateFile(tls.cert_file.c_str(), DCF_Filetype_PEM)).bad()) {
      error = fmt::format("cannot load tls_cert_file {} (a PEM certificate): {}", tls.cert_file.string(), cond.text());
      return nullptr;
    }
    if (!layer->checkPrivateKeyMatchesCertificate()) {
      error = fmt::format("tls_key_file {} is not the private key of tls_cert_file {}", tls.key_file.string(),
                          tls.cert_file.string());
      return nullptr;
    }
  } else if (role == NET_ACCEPTOR) {
    error = "a TLS listener needs tls_cert_file and tls_key_file (the node's certificate and key)";
    return nullptr;
  }
  if (!tls.ca_file.empty() && (cond = layer->addTrustedCertificateFile(tls.ca_file.c_str(), DCF_Filetype_PEM)).bad()) {
    error = fmt::format("cannot load tls_ca_file {} (PEM certificates): {}", tls.ca_file.string(), cond.text());
    return nullptr;
  }
  if ((cond = layer->setTLSProfile(tls_profile(tls.profile))).bad() || (cond = layer->activateCipherSuites()).bad()) {
    error = fmt::format("cannot use TLS profile {}: {}", tls.profile, cond.text());
    return nullptr;
  }
  layer->setCertificateVerification(role == NET_ACCEPTOR && !tls.verify_peer ? DCV_ignoreCertificate
                                                                              : DCV_requireCertificate);
  // Same verification mode, with a callback that keeps the reason of a failure.
  SSL_CTX* ctx = layer->getNativeHandle();
  SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), record_verify_problem);
  return layer;
}

std::string peer_certificate_subject(T_ASC_Association* assoc) {
  const unsigned long length = ASC_getPeerCertificateLength(assoc);
  if (length == 0) return "";
  std::vector<unsigned char> der(length);
  if (ASC_getPeerCertificate(assoc, der.data(), length) != length) return "";
  const unsigned char* p = der.data();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(length));
  if (cert == nullptr) return "";
  std::string subject;
  if (BIO* bio = BIO_new(BIO_s_mem())) {
    X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    if (n > 0) subject.assign(data, static_cast<std::size_t>(n));
    BIO_free(bio);
  }
  X509_free(cert);
  return subject;
}

void check_tls(const TlsSettings& tls) {
  if (!tls.enabled) return;
  std::string error;
  if (!make_tls_layer(tls, tls.acceptor ? NET_ACCEPTOR : NET_REQUESTOR, error))
    throw Error(Errc::config_invalid, fmt::format("{}: {}", tls.origin, error));
}

} // namespace osteon::dimse
