#include "store/sqlite/sqlite_users.hpp"

#include "store/sql/rows.hpp"
#include "store/sql/writes.hpp"
#include "store/sqlite/statement_results.hpp"

namespace latchkey::store::sqlite {

using Access = Connections::Access;

Result<void> SqliteUsers::create(const User& u) {
  Access lock(connections_, Use::write);
  Calls calls(lock.db(), "create_user");
  return sql::insert_user(calls, sql_, u);
}

Result<User> SqliteUsers::find_by_name(std::string_view username_key) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "find_user_by_name").one(sql_.find_user_by_key, sql::read_user, username_key);
}

Result<User> SqliteUsers::find_by_id(std::string_view id) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "find_user_by_id").one(sql_.find_user_by_id, sql::read_user, id);
}

Result<void> SqliteUsers::set_password_hash(std::string_view user_id, std::string_view hash) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "set_password_hash").change(sql_.set_password_hash, user_id, hash);
}

Result<void> SqliteUsers::change_password(std::string_view user_id, std::string_view hash, UnixSeconds now) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "change_password").change(sql_.change_password, user_id, hash, now);
}

Result<User> SqliteUsers::find_by_email(std::string_view email) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "find_user_by_email").one(sql_.find_user_by_email, sql::read_user, email);
}

Result<void> SqliteUsers::set_email(std::string_view user_id, std::string_view email, bool verified) {
  Access lock(connections_, Use::write);
  Calls c(lock.db(), "set_user_email");
  return sql::set_user_email(c, sql_, user_id, email, verified);
}

}  // namespace latchkey::store::sqlite
