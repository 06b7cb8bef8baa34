#pragma once
// Schema migrations: numbered SQL files from db/ (embedded at build time), applied in order.
// The schema version is SQLite's user_version.
#include <cstdint>
#include <string>
#include <vector>

#include "osteon/db/database.hpp"

namespace osteon::db {

struct Migration {
  std::int64_t version;  // from the file name prefix, e.g. 0001_init.sql -> 1
  std::string name;
  std::string sql;
};

/// The migrations built into this binary, sorted by version; throws on a bad file name or gap.
std::vector<Migration> builtin_migrations();

/// Brings the database to the newest schema this binary knows. Refuses (Errc::schema_too_new)
/// a database whose version is newer than the binary's. Returns the resulting version.
std::int64_t migrate(Database& db, const std::vector<Migration>& migrations = builtin_migrations());

/// Checks without changing anything (read-only tools): throws schema_too_new or database_error
/// (schema missing or older than expected).
void require_schema(Database& db, const std::vector<Migration>& migrations = builtin_migrations());

} // namespace osteon::db
