#pragma once
// DICOM over TLS on DCMTK's dcmtls, for both ends: the storage SCU's outgoing associations and
// the storage SCP's TLS listener. Internal to the dimse layer (DCMTK and OpenSSL inside).
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmtls/tlslayer.h>

#include <memory>
#include <string>

#include "osteon/dimse/config.hpp"

namespace osteon::dimse {

/// A TLS context for `tls` in `role`: the BCP 195 profile, trusted certificates (tls_ca_file),
/// our certificate and key. A requestor always verifies the peer; an acceptor requires and
/// verifies the caller's certificate unless tls.verify_peer is false. Null with `error` set
/// (naming the configuration key and file) when a file cannot be used.
std::unique_ptr<DcmTLSTransportLayer> make_tls_layer(const TlsSettings& tls, T_ASC_NetworkRole role, std::string& error);

/// Why the last certificate verification on this thread failed, "" when none did: OpenSSL
/// reports only "certificate verify failed"; the X.509 reason (expired, unknown CA...) with the
/// certificate's subject is what an admin needs.
const std::string& last_verify_problem();
void clear_verify_problem();

/// The subject of the peer's certificate on a TLS association, RFC 2253 ("CN=...,O=..."); ""
/// without TLS or without a certificate.
std::string peer_certificate_subject(T_ASC_Association* assoc);

} // namespace osteon::dimse
