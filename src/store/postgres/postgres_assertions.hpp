#pragma once
// AssertionStore on PostgreSQL.
#include "store/assertion_store.hpp"
#include "store/postgres/pg_calls.hpp"

namespace latchkey::store::postgres {

class PostgresAssertions final : public AssertionStore {
 public:
  explicit PostgresAssertions(PgPool& pool) : pool_(pool) {}

  Result<bool> first_use(std::string_view key, UnixSeconds expires_at) override;
  Result<std::int64_t> prune(UnixSeconds before) override;

 private:
  PgPool& pool_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::postgres
