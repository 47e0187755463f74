#pragma once
// ConsentStore on SQLite.
#include "store/consent_store.hpp"
#include "store/sqlite/sqlite_connections.hpp"

namespace latchkey::store::sqlite {

class SqliteConsents final : public ConsentStore {
 public:
  explicit SqliteConsents(Connections& c) : connections_(c) {}

  Result<void> grant(const Consent& consent) override;
  Result<Consent> find(std::string_view user_id, std::string_view client_id) override;
  Result<std::vector<Consent>> list_for_user(std::string_view user_id) override;
  Result<void> revoke(std::string_view user_id, std::string_view client_id) override;

 private:
  Connections& connections_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::sqlite
