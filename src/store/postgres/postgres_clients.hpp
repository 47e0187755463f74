#pragma once
// ClientStore on PostgreSQL.
#include "store/client_store.hpp"
#include "store/postgres/pg_calls.hpp"

namespace latchkey::store::postgres {

class PostgresClients final : public ClientStore {
 public:
  explicit PostgresClients(PgPool& pool) : pool_(pool) {}

  Result<void> add(const OAuthClient& client) override;
  Result<OAuthClient> find(std::string_view id) override;
  Result<std::vector<OAuthClient>> list(std::string_view after, std::size_t limit) override;
  Result<void> update(const OAuthClient& client) override;
  Result<void> remove(std::string_view id) override;

 private:
  PgPool& pool_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::postgres
