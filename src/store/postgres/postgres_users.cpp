#include "store/postgres/postgres_users.hpp"

#include "store/sql/rows.hpp"
#include "store/sql/writes.hpp"

namespace latchkey::store::postgres {

Result<void> PostgresUsers::create(const User& u) {
  return with_connection(pool_, [&](PgCalls& c) { return sql::insert_user(c, sql_, u); });
}

Result<User> PostgresUsers::find_by_name(std::string_view username_key) {
  return with_connection(pool_, [&](PgCalls& c) { return c.one(sql_.find_user_by_key, sql::read_user, username_key); });
}

Result<User> PostgresUsers::find_by_id(std::string_view id) {
  return with_connection(pool_, [&](PgCalls& c) { return c.one(sql_.find_user_by_id, sql::read_user, id); });
}

Result<void> PostgresUsers::set_password_hash(std::string_view user_id, std::string_view hash) {
  return with_connection(pool_, [&](PgCalls& c) { return c.change(sql_.set_password_hash, user_id, hash); });
}

}  // namespace latchkey::store::postgres
