#include "store/sqlite/sqlite_assertions.hpp"

#include "store/sqlite/statement_results.hpp"

namespace latchkey::store::sqlite {

using Access = Connections::Access;

// Inserted (one row changed) only the first time: ON CONFLICT DO NOTHING.
Result<bool> SqliteAssertions::first_use(std::string_view key, UnixSeconds expires_at) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  if (auto r = Calls(db, "first_use_assertion").run(sql_.first_use_assertion, key, expires_at); !r)
    return tl::unexpected(r.error());
  return db.changes() == 1;
}

Result<std::int64_t> SqliteAssertions::prune(UnixSeconds before) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  if (auto r = Calls(db, "prune_assertions").run(sql_.prune_assertions, before); !r) return tl::unexpected(r.error());
  return std::int64_t{db.changes()};
}

}  // namespace latchkey::store::sqlite
