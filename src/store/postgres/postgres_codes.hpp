#pragma once
// AuthorizationCodeStore on PostgreSQL.
#include "store/authorization_code_store.hpp"
#include "store/postgres/pg_calls.hpp"

namespace latchkey::store::postgres {

class PostgresCodes final : public AuthorizationCodeStore {
 public:
  explicit PostgresCodes(PgPool& pool) : pool_(pool) {}

  Result<void> add(const AuthorizationCode& code) override;
  Result<AuthorizationCode> redeem(std::string_view code_hash, UnixSeconds now) override;
  Result<bool> set_issued(std::string_view code_hash, std::string_view session_id) override;
  Result<std::int64_t> prune(UnixSeconds before) override;

 private:
  PgPool& pool_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::postgres
