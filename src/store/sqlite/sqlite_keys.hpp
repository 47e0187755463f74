#pragma once
// KeyStore on SQLite: signing keys and server secrets. Key changes are
// serialised by the write lock each takes from its start (BEGIN IMMEDIATE).
#include "store/key_store.hpp"
#include "store/sqlite/sqlite_connections.hpp"

namespace latchkey::store::sqlite {

class SqliteKeys final : public KeyStore {
 public:
  explicit SqliteKeys(Connections& c) : connections_(c) {}

  Result<std::string> ensure_secret(std::string_view name, std::string_view value, UnixSeconds now) override;
  Result<std::vector<StoredKey>> list() override;
  Result<void> add(const StoredKey& key) override;
  Result<void> rotate(const StoredKey& key) override;
  Result<bool> install_signer(const StoredKey& key, UnixSeconds now, std::string_view keep_alg) override;

 private:
  Connections& connections_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::sqlite
