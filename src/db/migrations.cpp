#include "osteon/db/migrations.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "osteon/core/embedded.hpp"
#include "osteon/core/error.hpp"
#include "osteon/core/log.hpp"

namespace osteon::db {

std::vector<Migration> builtin_migrations() {
  std::vector<Migration> out;
  for (const auto& file : embedded::sql_migrations()) {
    std::int64_t version = 0;
    const auto* begin = file.name.data();
    const auto [ptr, ec] = std::from_chars(begin, begin + file.name.size(), version);
    if (ec != std::errc() || ptr == begin || *ptr != '_' || version <= 0) {
      throw Error(Errc::internal, fmt::format("db/{}: migration file names must be NNNN_name.sql", file.name));
    }
    out.push_back({version, file.name, file.bytes});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i].version != static_cast<std::int64_t>(i + 1)) {
      throw Error(Errc::internal, fmt::format("db/{}: migrations must be numbered 1, 2, 3... without gaps", out[i].name));
    }
  }
  return out;
}

std::int64_t migrate(Database& db, const std::vector<Migration>& migrations) {
  const std::int64_t newest = migrations.empty() ? 0 : migrations.back().version;
  const std::int64_t current = db.user_version();
  if (current > newest) {
    throw Error(Errc::schema_too_new,
                fmt::format("{}: schema version {} is newer than this Osteon understands ({}); "
                            "refusing to run (upgrade Osteon)",
                            db.path().string(), current, newest));
  }
  for (const auto& m : migrations) {
    if (m.version <= current) continue;
    Transaction tx(db);
    db.exec(m.sql);
    db.exec(fmt::format("PRAGMA user_version = {}", m.version));
    tx.commit();
    log::info("db.migrated", {{"version", m.version}, {"file", m.name}});
  }
  return db.user_version();
}

void require_schema(Database& db, const std::vector<Migration>& migrations) {
  const std::int64_t newest = migrations.empty() ? 0 : migrations.back().version;
  const std::int64_t current = db.user_version();
  if (current > newest) {
    throw Error(Errc::schema_too_new,
                fmt::format("{}: schema version {} is newer than this tool understands ({})",
                            db.path().string(), current, newest));
  }
  if (current < newest) {
    throw Error(Errc::database_error,
                fmt::format("{}: schema version {} is older than expected ({}); start the node once to migrate",
                            db.path().string(), current, newest));
  }
}

} // namespace osteon::db
