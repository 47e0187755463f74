#pragma once
// AdminQueries on SQLite. Writes are serialised, so each change holds or
// fails as one Transaction without row locks.
#include "store/admin_queries.hpp"
#include "store/sqlite/sqlite_connections.hpp"

namespace latchkey::store::sqlite {

class SqliteAdmin final : public AdminQueries {
 public:
  explicit SqliteAdmin(Connections& c) : connections_(c) {}

  Result<std::vector<UserSummary>> list_users(const UserQuery& query) override;
  Result<std::vector<std::string>> disable_user(std::string_view user_id, UnixSeconds now) override;
  Result<void> enable_user(std::string_view user_id) override;
  Result<std::vector<std::string>> delete_user(std::string_view user_id, UnixSeconds now,
                                               UnixSeconds keep_revocations_since) override;

 private:
  Connections& connections_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::sqlite
