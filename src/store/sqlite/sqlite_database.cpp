#include "store/sqlite/sqlite_database.hpp"

#include "store/sql/snapshot.hpp"
#include "store/sqlite/statement_results.hpp"

namespace latchkey::store::sqlite {

using Access = Connections::Access;

Result<void> SqliteDatabase::ping() {
  Access lock(connections_, Use::read);
  auto r = Calls(lock.db(), "ping").one(sql_.ping, sql::read_int64);
  if (!r && r.error() != StoreError::not_found) return tl::unexpected(r.error());
  return {};
}

// Read on the reader connection (WAL: never waits for the writer).
Result<Snapshot> SqliteDatabase::export_all() {
  Access lock(connections_, Use::read);
  Calls calls(lock.db(), "export_all");
  return sql::read_snapshot(calls, sql_);
}

// One Transaction: a refused row undoes the whole import.
Result<void> SqliteDatabase::import_all(const Snapshot& snap) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  Calls calls(db, "import_all");
  return in_transaction<void>(db, "import_all", [&] { return sql::write_snapshot(calls, sql_, snap); });
}

}  // namespace latchkey::store::sqlite
