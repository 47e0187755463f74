#pragma once
// LogoutStore on PostgreSQL. The queue is filled by migration 9's trigger.
#include "store/logout_store.hpp"
#include "store/postgres/pg_calls.hpp"

namespace latchkey::store::postgres {

class PostgresLogouts final : public LogoutStore {
 public:
  explicit PostgresLogouts(PgPool& pool) : pool_(pool) {}

  Result<void> note_client(std::string_view session_id, std::string_view client_id,
                           std::string_view logout_uri) override;
  Result<std::vector<LogoutDelivery>> due(UnixSeconds now, std::size_t limit) override;
  Result<void> delivered(std::int64_t id, UnixSeconds now) override;
  Result<void> failed(std::int64_t id, UnixSeconds next_attempt_at, std::string_view error) override;
  Result<void> gave_up(std::int64_t id, UnixSeconds now, std::string_view error) override;
  Result<std::vector<LogoutDelivery>> list(std::size_t limit) override;
  Result<std::int64_t> prune(UnixSeconds before) override;

 private:
  PgPool& pool_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::postgres
