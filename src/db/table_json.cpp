#include "osteon/db/table_json.hpp"

#include <nlohmann/json.hpp>

namespace osteon::db {

nlohmann::json rows_json(const Table& t) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& row : t.rows) {
    nlohmann::json obj = nlohmann::json::object();
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      const auto& v = row[c];
      if (std::holds_alternative<std::monostate>(v)) obj[t.columns[c]] = nullptr;
      else if (const auto* i = std::get_if<std::int64_t>(&v)) obj[t.columns[c]] = *i;
      else if (const auto* d = std::get_if<double>(&v)) obj[t.columns[c]] = *d;
      else obj[t.columns[c]] = std::get<std::string>(v);
    }
    out.push_back(std::move(obj));
  }
  return out;
}

} // namespace osteon::db
