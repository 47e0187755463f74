#pragma once
// ConsentStore on PostgreSQL.
#include "store/consent_store.hpp"
#include "store/postgres/pg_calls.hpp"

namespace latchkey::store::postgres {

class PostgresConsents final : public ConsentStore {
 public:
  explicit PostgresConsents(PgPool& pool) : pool_(pool) {}

  Result<void> grant(const Consent& consent) override;
  Result<Consent> find(std::string_view user_id, std::string_view client_id) override;
  Result<std::vector<Consent>> list_for_user(std::string_view user_id) override;
  Result<void> revoke(std::string_view user_id, std::string_view client_id) override;

 private:
  PgPool& pool_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::postgres
