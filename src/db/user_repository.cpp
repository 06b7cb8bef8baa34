#include "osteon/db/user_repository.hpp"

namespace osteon::db {

namespace {
User user_from(Statement& st) {
  User u;
  u.name = st.column_text(0);
  u.role = st.column_text(1);
  u.password_hash = st.column_text(2);
  u.failed_logins = st.column_int64(3);
  if (!st.is_null(4)) u.locked_until = st.column_text(4);
  return u;
}
constexpr const char* kUserColumns = "SELECT name, role, password_hash, failed_logins, locked_until FROM users";
} // namespace

bool UserRepository::add(const std::string& name, const std::string& role, const std::string& password_hash,
                         const std::string& now) {
  db_.prepare("INSERT INTO users(name, role, password_hash, created_at) VALUES (?,?,?,?) ON CONFLICT DO NOTHING")
      .bind_all(name, role, password_hash, now)
      .run();
  return db_.changes() == 1;
}

bool UserRepository::remove(const std::string& name) {
  Transaction tx(db_);
  db_.prepare("DELETE FROM api_tokens WHERE user_name = ?").bind_all(name).run();
  db_.prepare("DELETE FROM users WHERE name = ?").bind_all(name).run();
  const bool removed = db_.changes() == 1;
  tx.commit();
  return removed;
}

bool UserRepository::set_password(const std::string& name, const std::string& password_hash) {
  db_.prepare("UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE name = ?")
      .bind_all(password_hash, name)
      .run();
  return db_.changes() == 1;
}

std::optional<User> UserRepository::find(const std::string& name) {
  auto st = db_.prepare(std::string(kUserColumns) + " WHERE name = ?");
  st.bind_all(name);
  if (!st.step()) return std::nullopt;
  return user_from(st);
}

void UserRepository::login_failed(const std::string& name, int lock_after, const std::string& lock_until) {
  db_.prepare("UPDATE users SET failed_logins = failed_logins + 1 WHERE name = ?").bind_all(name).run();
  db_.prepare("UPDATE users SET locked_until = ?, failed_logins = 0 WHERE name = ? AND failed_logins >= ?")
      .bind_all(lock_until, name, lock_after)
      .run();
}

void UserRepository::login_succeeded(const std::string& name) {
  db_.prepare("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE name = ?").bind_all(name).run();
}

std::int64_t UserRepository::count() {
  auto st = db_.prepare("SELECT count(*) FROM users");
  st.step();
  return st.column_int64(0);
}

Table UserRepository::table() {
  return query_table(db_,
                     "SELECT name, role, created_at, failed_logins, locked_until,"
                     " (SELECT count(*) FROM api_tokens t WHERE t.user_name = users.name) AS tokens"
                     " FROM users ORDER BY name",
                     {}, 10000);
}

void UserRepository::add_token(const std::string& user, const std::string& label, const std::string& token_sha256,
                               const std::string& now) {
  db_.prepare("INSERT INTO api_tokens(user_name, label, token_sha256, created_at) VALUES (?,?,?,?)")
      .bind_all(user, label, token_sha256, now)
      .run();
}

std::optional<User> UserRepository::token_user(const std::string& token_sha256, const std::string& now) {
  std::optional<User> user;
  {
    // The read ends before the write: a statement still open would hold a read snapshot, and
    // upgrading a stale snapshot to a write fails at once (SQLITE_BUSY) whatever the busy timeout.
    auto st = db_.prepare(std::string(kUserColumns) +
                          " WHERE name = (SELECT user_name FROM api_tokens WHERE token_sha256 = ?)");
    st.bind_all(token_sha256);
    if (!st.step()) return std::nullopt;
    user = user_from(st);
  }
  db_.prepare("UPDATE api_tokens SET last_used_at = ? WHERE token_sha256 = ?").bind_all(now, token_sha256).run();
  return user;
}

} // namespace osteon::db
