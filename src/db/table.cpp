#include "osteon/db/table.hpp"

namespace osteon::db {

Table query_table(Database& db, const std::string& sql, const std::vector<std::string>& binds, int limit,
                  int offset) {
  auto st = db.prepare(sql + " LIMIT ? OFFSET ?");
  int i = 0;
  for (const auto& b : binds) st.bind(++i, b);
  st.bind(++i, limit);
  st.bind(++i, offset);
  Table t;
  for (int c = 0; c < st.column_count(); ++c) t.columns.push_back(st.column_name(c));
  while (st.step()) {
    std::vector<Value> row;
    for (int c = 0; c < st.column_count(); ++c) {
      switch (st.column_type(c)) {
        case Statement::Type::null: row.emplace_back(std::monostate{}); break;
        case Statement::Type::integer: row.emplace_back(st.column_int64(c)); break;
        case Statement::Type::real: row.emplace_back(st.column_double(c)); break;
        default: row.emplace_back(st.column_text(c)); break;
      }
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

void add_condition(std::string& where, std::vector<std::string>& binds, const char* clause,
                   const std::optional<std::string>& value) {
  if (!value) return;
  where += where.empty() ? " WHERE " : " AND ";
  where += clause;
  binds.push_back(*value);
}

} // namespace osteon::db
