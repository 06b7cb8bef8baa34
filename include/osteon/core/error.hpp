#pragma once
// The one error type of Osteon. Every failure carries a code from a single table; each boundary
// translates once (OFCondition, sqlite rc in; DIMSE status, HTTP status, exit code out).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace osteon {

enum class Errc : std::uint16_t {
  invalid_argument,    // a caller passed something unusable
  config_invalid,      // configuration file or option is wrong
  not_found,           // a file, row or object that should exist does not
  io_error,            // the file system failed
  out_of_resources,    // disk below threshold, queue over its bound
  database_error,      // SQLite failed
  schema_too_new,      // the database was written by a newer Osteon
  dicom_unparseable,   // the bytes are not a DICOM dataset we can read
  dicom_missing_uid,   // a required UID is absent or malformed
  dicom_mismatch,      // the dataset contradicts the DIMSE command
  network_error,       // association or DIMSE failure
  internal,            // a bug
  out_of_domain,       // an image unlike the data a model was validated on (not analysable)
  method_not_allowed,  // an HTTP method a resource does not have
  too_large,           // a request or upload over its size limit
  unauthenticated,     // no credentials, or wrong ones (HTTP 401)
  forbidden,           // authenticated, but the role does not allow it (HTTP 403)
  too_many_attempts,   // locked out after repeated failures (HTTP 429)
};

struct ErrcInfo {
  std::string_view name;
  std::uint16_t dimse_status;  // C-STORE-RSP status for this error
  int http_status;
  int exit_code;
};

/// The single code table.
const ErrcInfo& info(Errc code) noexcept;

class Error : public std::runtime_error {
 public:
  Error(Errc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  Errc code() const noexcept { return code_; }
  std::uint16_t dimse_status() const noexcept { return info(code_).dimse_status; }
  int http_status() const noexcept { return info(code_).http_status; }
  int exit_code() const noexcept { return info(code_).exit_code; }

 private:
  Errc code_;
};

} // namespace osteon
