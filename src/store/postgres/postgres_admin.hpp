#pragma once
// AdminQueries on PostgreSQL. Sessions ended here are announced (NOTIFY)
// like every revocation, at commit.
#include "store/admin_queries.hpp"
#include "store/postgres/pg_calls.hpp"

namespace latchkey::store::postgres {

class PostgresAdmin final : public AdminQueries {
 public:
  explicit PostgresAdmin(PgPool& pool) : pool_(pool) {}

  Result<std::vector<UserSummary>> list_users(const UserQuery& query) override;
  Result<std::vector<std::string>> disable_user(std::string_view user_id, UnixSeconds now) override;
  Result<void> enable_user(std::string_view user_id) override;
  Result<std::vector<std::string>> delete_user(std::string_view user_id, UnixSeconds now,
                                               UnixSeconds keep_revocations_since) override;

 private:
  PgPool& pool_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::postgres
