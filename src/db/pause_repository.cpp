#include "osteon/db/pause_repository.hpp"

#include "osteon/core/error.hpp"

namespace osteon::db {

namespace {
void check_kind(const std::string& kind) {
  if (kind != "pipeline" && kind != "destination")
    throw Error(Errc::invalid_argument, "only a pipeline or a destination can be paused, not a '" + kind + "'");
}
} // namespace

bool PauseRepository::pause(const std::string& kind, const std::string& name, const std::string& now) {
  check_kind(kind);
  db_.prepare("INSERT INTO pauses(kind, name, paused_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
      .bind_all(kind, name, now)
      .run();
  return db_.changes() == 1;
}

bool PauseRepository::resume(const std::string& kind, const std::string& name) {
  check_kind(kind);
  db_.prepare("DELETE FROM pauses WHERE kind = ? AND name = ?").bind_all(kind, name).run();
  return db_.changes() == 1;
}

std::vector<Pause> PauseRepository::list() {
  auto st = db_.prepare("SELECT kind, name, paused_at FROM pauses ORDER BY kind, name");
  std::vector<Pause> out;
  while (st.step()) out.push_back({st.column_text(0), st.column_text(1), st.column_text(2)});
  return out;
}

Table PauseRepository::table() {
  return query_table(db_, "SELECT kind, name, paused_at FROM pauses ORDER BY kind, name", {}, 10000);
}

bool PauseRepository::paused(const std::string& kind, const std::string& name) {
  auto st = db_.prepare("SELECT 1 FROM pauses WHERE kind = ? AND name = ?");
  st.bind_all(kind, name);
  return st.step();
}

} // namespace osteon::db
