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

Result<void> PostgresUsers::change_password(std::string_view user_id, std::string_view hash, UnixSeconds now) {
  return with_connection(pool_, [&](PgCalls& c) { return c.change(sql_.change_password, user_id, hash, now); });
}

Result<User> PostgresUsers::find_by_email(std::string_view email) {
  return with_connection(pool_, [&](PgCalls& c) { return c.one(sql_.find_user_by_email, sql::read_user, email); });
}

Result<void> PostgresUsers::set_email(std::string_view user_id, std::string_view email, bool verified) {
  return with_connection(pool_, [&](PgCalls& c) { return sql::set_user_email(c, sql_, user_id, email, verified); });
}

}  // namespace latchkey::store::postgres
