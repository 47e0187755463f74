#pragma once
// UserStore on PostgreSQL.
#include "store/postgres/pg_calls.hpp"
#include "store/user_store.hpp"

namespace latchkey::store::postgres {

class PostgresUsers final : public UserStore {
 public:
  explicit PostgresUsers(PgPool& pool) : pool_(pool) {}

  Result<void> create(const User& user) override;
  Result<User> find_by_name(std::string_view username_key) override;
  Result<User> find_by_id(std::string_view id) override;
  Result<void> set_password_hash(std::string_view user_id, std::string_view hash) override;
  Result<void> change_password(std::string_view user_id, std::string_view hash, UnixSeconds now) override;
  Result<User> find_by_email(std::string_view email) override;
  Result<void> set_email(std::string_view user_id, std::string_view email, bool verified) override;

 private:
  PgPool& pool_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::postgres
