#pragma once
// KeyStore on PostgreSQL: signing keys and server secrets. Key changes are
// serialised across instances by a transaction-scoped advisory lock.
#include "store/key_store.hpp"
#include "store/postgres/pg_calls.hpp"

namespace latchkey::store::postgres {

class PostgresKeys final : public KeyStore {
 public:
  explicit PostgresKeys(PgPool& pool) : pool_(pool) {}

  Result<std::string> ensure_secret(std::string_view name, std::string_view value, UnixSeconds now) override;
  Result<std::vector<StoredKey>> list() override;
  Result<void> add(const StoredKey& key) override;
  Result<void> rotate(const StoredKey& key) override;
  Result<bool> install_signer(const StoredKey& key, UnixSeconds now, std::string_view keep_alg) override;

 private:
  PgPool& pool_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::postgres
