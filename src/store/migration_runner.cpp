#include "store/migration_runner.hpp"

#include <stdexcept>

#include "util/log.hpp"

namespace latchkey::store {

void run_migrations(MigrationTarget& db) {
  const std::int64_t have = db.current_version();
  const auto all = migrations();
  if (!all.empty() && have > all.back().version) {
    throw std::runtime_error("database schema version " + std::to_string(have) +
                             " is newer than this latchkey understands (" + std::to_string(all.back().version) +
                             ")");
  }
  for (const Migration& m : all) {
    if (m.version <= have) continue;
    db.begin();
    std::optional<std::string> failure = db.exec(db.script_of(m));
    if (!failure) failure = db.record(m, now_unix());
    if (failure) {
      db.rollback();
      throw std::runtime_error("database migration " + std::to_string(m.version) + " failed: " + *failure);
    }
    db.commit();
    log::info("store.migrated",
              {{"version", static_cast<std::int64_t>(m.version)}, {"description", m.description}});
  }
}

}  // namespace latchkey::store
