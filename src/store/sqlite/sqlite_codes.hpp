#pragma once
// AuthorizationCodeStore on SQLite.
#include "store/authorization_code_store.hpp"
#include "store/sqlite/sqlite_connections.hpp"

namespace latchkey::store::sqlite {

class SqliteCodes final : public AuthorizationCodeStore {
 public:
  explicit SqliteCodes(Connections& c) : connections_(c) {}

  Result<void> add(const AuthorizationCode& code) override;
  Result<AuthorizationCode> redeem(std::string_view code_hash, UnixSeconds now) override;
  Result<bool> set_issued(std::string_view code_hash, std::string_view session_id) override;
  Result<std::int64_t> prune(UnixSeconds before) override;

 private:
  Connections& connections_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::sqlite
