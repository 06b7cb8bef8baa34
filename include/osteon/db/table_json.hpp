#pragma once
// A listing as JSON: one object per row, keyed by column (osteonctl --json, the admin API).
#include <nlohmann/json_fwd.hpp>

#include "osteon/db/table.hpp"

namespace osteon::db {

/// [{"column": value, ...}, ...]; NULL is null, numbers stay numbers.
nlohmann::json rows_json(const Table& table);

} // namespace osteon::db
