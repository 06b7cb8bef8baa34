#pragma once
// Query results as a generic table, for listings (osteonctl prints them as text or JSON).
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "osteon/db/database.hpp"

namespace osteon::db {

using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
};

/// Runs `sql` with text binds and a trailing LIMIT ? OFFSET ?; column types are kept.
Table query_table(Database& db, const std::string& sql, const std::vector<std::string>& binds, int limit,
                  int offset = 0);

/// Appends "WHERE/AND clause" and its bind when the value is set.
void add_condition(std::string& where, std::vector<std::string>& binds, const char* clause,
                   const std::optional<std::string>& value);

/// A filtered listing: conditions added for the filter values that are set, then
/// `select_from` + WHERE ... + `order` + LIMIT + OFFSET.
class Listing {
 public:
  Listing& when(const char* clause, const std::optional<std::string>& value) {
    add_condition(where_, binds_, clause, value);
    return *this;
  }
  /// A condition without a value.
  Listing& and_also(const char* clause) {
    where_ += where_.empty() ? " WHERE " : " AND ";
    where_ += clause;
    return *this;
  }
  Table run(Database& db, const std::string& select_from, const std::string& order, int limit, int offset = 0) const {
    return query_table(db, select_from + where_ + order, binds_, limit, offset);
  }
  /// " WHERE ..." (empty without conditions), for statements other than listings (bulk updates).
  const std::string& where() const { return where_; }
  /// Binds the conditions' values from index 1.
  void bind(Statement& statement) const {
    int i = 0;
    for (const auto& b : binds_) statement.bind(++i, b);
  }

 private:
  std::string where_;
  std::vector<std::string> binds_;
};

} // namespace osteon::db
