#include "store/postgres/postgres_database.hpp"

#include "store/sql/snapshot.hpp"

namespace latchkey::store::postgres {

Result<void> PostgresDatabase::ping() {
  return with_connection(pool_, [&](PgCalls& c) { return c.run(sql_.ping); });
}

// One consistent picture, even while instances keep serving.
Result<Snapshot> PostgresDatabase::export_all() {
  return in_transaction<Snapshot>(
      pool_, [&](PgCalls& c) { return sql::read_snapshot(c, sql_); }, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
}

Result<void> PostgresDatabase::import_all(const Snapshot& snap) {
  return in_transaction<void>(pool_, [&](PgCalls& c) { return sql::write_snapshot(c, sql_, snap); });
}

}  // namespace latchkey::store::postgres
