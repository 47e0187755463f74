#pragma once
// ClientStore on SQLite.
#include "store/client_store.hpp"
#include "store/sqlite/sqlite_connections.hpp"

namespace latchkey::store::sqlite {

class SqliteClients final : public ClientStore {
 public:
  explicit SqliteClients(Connections& c) : connections_(c) {}

  Result<void> add(const OAuthClient& client) override;
  Result<OAuthClient> find(std::string_view id) override;
  Result<std::vector<OAuthClient>> list(std::string_view after, std::size_t limit) override;
  Result<void> update(const OAuthClient& client) override;
  Result<void> remove(std::string_view id) override;

 private:
  Connections& connections_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::sqlite
