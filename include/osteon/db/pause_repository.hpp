#pragma once
// Pauses an admin asked for (schema 5): kept across restarts, read by the work queues' claims.
#include <string>
#include <vector>

#include "osteon/db/database.hpp"
#include "osteon/db/table.hpp"

namespace osteon::db {

struct Pause {
  std::string kind;  // "pipeline" or "destination"
  std::string name;
  std::string paused_at;
};

class PauseRepository {
 public:
  explicit PauseRepository(Database& db) : db_(db) {}
  /// False when it was paused already. A kind other than pipeline/destination: invalid_argument.
  bool pause(const std::string& kind, const std::string& name, const std::string& now);
  /// False when it was not paused.
  bool resume(const std::string& kind, const std::string& name);
  std::vector<Pause> list();
  /// The same as a listing (osteonctl pauses).
  Table table();
  bool paused(const std::string& kind, const std::string& name);

 private:
  Database& db_;
};

} // namespace osteon::db
