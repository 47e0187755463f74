#pragma once
// Database on PostgreSQL: readiness, export and import. No batching: calls
// come from any number of threads, each on a pooled connection of its own.
#include "store/database.hpp"
#include "store/postgres/pg_calls.hpp"

namespace latchkey::store::postgres {

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(PgPool& pool) : pool_(pool) {}

  Result<void> ping() override;
  Result<Snapshot> export_all() override;
  Result<void> import_all(const Snapshot& snapshot) override;

 private:
  PgPool& pool_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::postgres
