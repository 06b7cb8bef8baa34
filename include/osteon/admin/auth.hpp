#pragma once
// The console's users, roles, sessions and tokens. Passwords are hashed with libsodium's Argon2id
// (crypto_pwhash_str: salted, slow, the parameters in the hash string); API tokens and session ids
// are 32 random bytes from libsodium, stored (tokens) only as their SHA-256.
//
// A request is authenticated by "Authorization: Bearer <token>" (scripts, Prometheus) or by the
// session cookie of a console login (POST /api/v1/login). A state-changing request on a session
// must carry the session's CSRF token in X-CSRF-Token. Roles: viewer (reads), operator (+ re-run,
// retry, pause, C-ECHO, routing test), admin (+ the audit trail). Failed logins lock a user out
// for a while after [http] lockout_failures in a row. Logins, failures and refusals are audited.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "osteon/admin/http.hpp"

namespace osteon::admin {

/// "viewer", "operator", "admin" -> Access; nullopt for anything else.
std::optional<Access> role_access(std::string_view role);

/// libsodium Argon2id hash string of `password` (interactive limits).
std::string hash_password(std::string_view password);
bool verify_password(const std::string& hash, std::string_view password);
/// 32 random bytes as 64 hex digits.
std::string new_secret();

class Authenticator {
 public:
  Authenticator(std::filesystem::path database, const HttpSettings& settings);
  ~Authenticator();
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  /// The Router's authorizer: nothing when `request` may use a route needing `needed` (and
  /// request.user/role set), else the 401/403 response.
  std::optional<Response> authorize(Request& request, Access needed);
  /// POST /api/v1/login, POST /api/v1/logout, GET /api/v1/me.
  void add_routes(Router& router);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace osteon::admin
