#include "osteon/admin/auth.hpp"

#include "api_support.hpp"

#include <sodium.h>

#include <chrono>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "osteon/core/clock.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"
#include "osteon/core/sha256.hpp"
#include "osteon/db/audit_repository.hpp"
#include "osteon/db/user_repository.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace osteon::admin {

namespace {

void init_sodium() {
  static const int status = sodium_init();  // thread-safe, once
  if (status < 0) throw Error(Errc::internal, "libsodium cannot be initialised");
}

int rank(Access a) {
  switch (a) {
    case Access::viewer: return 1;
    case Access::operator_: return 2;
    case Access::admin: return 3;
    default: return 0;
  }
}

const char* role_name(Access a) { return a == Access::admin ? "admin" : a == Access::operator_ ? "operator" : "viewer"; }

// The value of cookie `name` in a Cookie header ("a=1; b=2").
std::optional<std::string> cookie(const Request& r, std::string_view name) {
  const auto it = r.headers.find("cookie");
  if (it == r.headers.end()) return std::nullopt;
  std::string_view rest = it->second;
  while (!rest.empty()) {
    const auto end = rest.find(';');
    auto pair = rest.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return std::nullopt;
}

bool same_secret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

Response refusal(Errc code, std::string_view message) {
  auto r = error_response(code, message);
  if (code == Errc::unauthenticated) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"osteon\"");
  return r;
}

std::string minutes_from_now(int minutes) {
  return utc_timestamp(std::chrono::system_clock::now() + std::chrono::minutes(minutes));
}

constexpr std::string_view kSessionCookie = "osteon_session";

} // namespace

std::optional<Access> role_access(std::string_view role) {
  if (role == "viewer") return Access::viewer;
  if (role == "operator") return Access::operator_;
  if (role == "admin") return Access::admin;
  return std::nullopt;
}

std::string hash_password(std::string_view password) {
  init_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    throw Error(Errc::out_of_resources, "not enough memory to hash the password (Argon2id)");
  }
  return out;
}

bool verify_password(const std::string& hash, std::string_view password) {
  init_sodium();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string new_secret() {
  init_sodium();
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char hex[sizeof bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

struct Authenticator::Impl {
  HttpSettings settings;
  std::mutex db_mutex;
  db::Database database;
  struct Session {
    std::string user;
    std::string csrf;
    std::chrono::steady_clock::time_point expires;
  };
  std::mutex sessions_mutex;
  std::map<std::string, Session> sessions;

  Impl(const fs::path& file, const HttpSettings& s) : settings(s), database(file) {}

  void audit(const Request& r, db::AuditCode event, std::optional<db::AuditCode> type, int outcome,
             std::string outcome_text, std::string actor, std::string detail) {
    db::AuditEvent e;
    e.at = utc_timestamp();
    e.event = event;
    e.type = type;
    e.outcome = outcome;
    e.outcome_text = std::move(outcome_text);
    e.actor = std::move(actor);
    e.actor_host = r.peer;
    e.detail = std::move(detail);
    try {
      std::lock_guard lock(db_mutex);
      db::AuditRepository(database).append(e);
    } catch (const std::exception& ex) {
      log::error("audit.write_failed", {{"event", event.meaning}, {"error", ex.what()}});
    }
  }

  std::optional<db::User> find(const std::string& name) {
    std::lock_guard lock(db_mutex);
    return db::UserRepository(database).find(name);
  }
};

Authenticator::Authenticator(fs::path database, const HttpSettings& settings)
    : impl_(std::make_unique<Impl>(database, settings)) {
  init_sodium();
}

Authenticator::~Authenticator() = default;

std::optional<Response> Authenticator::authorize(Request& r, Access needed) {
  auto& d = *impl_;
  std::optional<db::User> user;
  const auto authorization = r.headers.find("authorization");
  if (authorization != r.headers.end() && authorization->second.rfind("Bearer ", 0) == 0) {
    const auto token = authorization->second.substr(7);
    {
      std::lock_guard lock(d.db_mutex);
      user = db::UserRepository(d.database).token_user(sha256_hex(token), utc_timestamp());
    }
    if (!user) {
      d.audit(r, db::audit::security_alert, db::audit::login, db::audit::minor_failure,
              "unknown or revoked API token", "", fmt::format("{} {}", r.method, r.path));
      return refusal(Errc::unauthenticated, "unknown or revoked API token");
    }
  } else if (const auto id = cookie(r, kSessionCookie)) {
    std::string name;
    {
      std::lock_guard lock(d.sessions_mutex);
      const auto it = d.sessions.find(*id);
      if (it == d.sessions.end() || it->second.expires < std::chrono::steady_clock::now()) {
        if (it != d.sessions.end()) d.sessions.erase(it);
        return refusal(Errc::unauthenticated, "the session has ended: log in again");
      }
      if (r.method != "GET" && r.method != "HEAD") {
        const auto csrf = r.headers.find("x-csrf-token");
        if (csrf == r.headers.end() || !same_secret(csrf->second, it->second.csrf)) {
          d.audit(r, db::audit::security_alert, db::audit::use_of_restricted_function, db::audit::minor_failure,
                  "missing or wrong X-CSRF-Token", it->second.user, fmt::format("{} {}", r.method, r.path));
          return refusal(Errc::forbidden, "a change made with a console session needs its X-CSRF-Token header");
        }
      }
      name = it->second.user;
      r.csrf = it->second.csrf;
    }
    user = d.find(name);
    if (!user) return refusal(Errc::unauthenticated, "the session's user no longer exists: log in again");
  } else {
    return refusal(Errc::unauthenticated,
                   "log in (POST /api/v1/login) or send an API token (Authorization: Bearer <token>; osteonctl user token)");
  }
  const auto role = role_access(user->role).value_or(Access::viewer);
  if (rank(role) < rank(needed)) {
    d.audit(r, db::audit::security_alert, db::audit::use_of_restricted_function, db::audit::minor_failure,
            fmt::format("needs role {}", role_name(needed)), user->name, fmt::format("{} {}", r.method, r.path));
    return refusal(Errc::forbidden, fmt::format("{} (role {}) may not do this: it needs the role {}", user->name,
                                                user->role, role_name(needed)));
  }
  r.user = user->name;
  r.role = user->role;
  return std::nullopt;
}

void Authenticator::add_routes(Router& router) {
  router.add("POST", "/api/v1/login", [this](const Request& r) {
    auto& d = *impl_;
    const auto body = json::parse(r.body, nullptr, false);
    if (!body.is_object() || !body.contains("user") || !body["user"].is_string() || !body.contains("password") ||
        !body["password"].is_string())
      throw Error(Errc::invalid_argument, "send {\"user\": ..., \"password\": ...} as JSON");
    const auto name = body["user"].get<std::string>();
    const auto user = d.find(name);
    const auto now = utc_timestamp();
    if (user && user->locked_until && *user->locked_until > now) {
      d.audit(r, db::audit::user_authentication, db::audit::login, db::audit::minor_failure, "locked out", name, "");
      throw Error(Errc::too_many_attempts,
                  fmt::format("too many failed logins: {} is locked until {}", name, *user->locked_until));
    }
    // The hash is checked outside the database lock (Argon2id takes a while, on purpose).
    if (!user || !verify_password(user->password_hash, body["password"].get<std::string>())) {
      if (user) {
        std::lock_guard lock(d.db_mutex);
        db::UserRepository(d.database).login_failed(name, d.settings.lockout_failures, minutes_from_now(d.settings.lockout_minutes));
      }
      d.audit(r, db::audit::user_authentication, db::audit::login, db::audit::minor_failure,
              "wrong user name or password", name, "");
      throw Error(Errc::unauthenticated, "wrong user name or password");
    }
    {
      std::lock_guard lock(d.db_mutex);
      db::UserRepository(d.database).login_succeeded(name);
    }
    const auto id = new_secret();
    const auto csrf = new_secret();
    {
      std::lock_guard lock(d.sessions_mutex);
      const auto now_steady = std::chrono::steady_clock::now();
      std::erase_if(d.sessions, [&](const auto& s) { return s.second.expires < now_steady; });
      d.sessions[id] = {name, csrf, now_steady + std::chrono::minutes(d.settings.session_minutes)};
    }
    d.audit(r, db::audit::user_authentication, db::audit::login, db::audit::success, "", name, "console session");
    log::info("admin.login", {{"user", name}, {"peer", r.peer}});
    Response out;
    out.body = json_text(json{{"user", name}, {"role", user->role}, {"csrf", csrf}, {"expires_in_s", d.settings.session_minutes * 60}});
    out.headers.emplace_back("Set-Cookie", fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}", kSessionCookie,
                                                       id, d.settings.session_minutes * 60, d.settings.tls() ? "; Secure" : ""));
    return out;
  }, Access::open);

  router.add("POST", "/api/v1/logout", [this](const Request& r) {
    auto& d = *impl_;
    if (const auto id = cookie(r, kSessionCookie)) {
      std::lock_guard lock(d.sessions_mutex);
      d.sessions.erase(*id);
    }
    d.audit(r, db::audit::user_authentication, db::audit::logout, db::audit::success, "", r.user, "");
    Response out;
    out.body = json_text(json{{"user", r.user}, {"logged_out", true}});
    out.headers.emplace_back("Set-Cookie", fmt::format("{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", kSessionCookie));
    return out;
  }, Access::viewer);

  // Who is logged in; on a console session also its CSRF token (for the page after a reload: a
  // same-origin read, which another site's page cannot make).
  router.add("GET", "/api/v1/me", [](const Request& r) {
    Response out;
    json me{{"user", r.user}, {"role", r.role}};
    if (!r.csrf.empty()) me["csrf"] = r.csrf;
    out.body = json_text(me);
    return out;
  }, Access::viewer);
}

} // namespace osteon::admin
