#pragma once
// The console's users and API tokens (schema 9). Holds hashes only: hashing and checking
// passwords is the admin layer's (libsodium), so this header stays free of it.
#include <cstdint>
#include <optional>
#include <string>

#include "osteon/db/database.hpp"
#include "osteon/db/table.hpp"

namespace osteon::db {

struct User {
  std::string name;
  std::string role;  // viewer, operator or admin
  std::string password_hash;
  std::int64_t failed_logins = 0;
  std::optional<std::string> locked_until;
};

class UserRepository {
 public:
  explicit UserRepository(Database& db) : db_(db) {}
  /// False when the name is taken.
  bool add(const std::string& name, const std::string& role, const std::string& password_hash, const std::string& now);
  /// Removes the user and its tokens; false when there was none.
  bool remove(const std::string& name);
  /// Sets a new password hash, clears failures and lock-out; false when there is no such user.
  bool set_password(const std::string& name, const std::string& password_hash);
  std::optional<User> find(const std::string& name);
  /// One more failed login; when it reaches `lock_after`, locked until `lock_until` (and counting starts again).
  void login_failed(const std::string& name, int lock_after, const std::string& lock_until);
  void login_succeeded(const std::string& name);
  std::int64_t count();
  /// name, role, created_at, failed_logins, locked_until, tokens (no hashes).
  Table table();

  void add_token(const std::string& user, const std::string& label, const std::string& token_sha256, const std::string& now);
  /// The user a token belongs to (and notes its use), when the token is known.
  std::optional<User> token_user(const std::string& token_sha256, const std::string& now);

 private:
  Database& db_;
};

} // namespace osteon::db
