#include "store/sqlite/sqlite_clients.hpp"

#include "store/sql/rows.hpp"
#include "store/sqlite/statement_results.hpp"

namespace latchkey::store::sqlite {

using Access = Connections::Access;

Result<void> SqliteClients::add(const OAuthClient& c) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "add_client")
      .insert(sql_.insert_client, c.id, c.secret_digest, c.registration_digest, c.metadata, c.created_at,
              c.updated_at);
}

Result<OAuthClient> SqliteClients::find(std::string_view id) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "find_client").one(sql_.find_client, sql::read_client, id);
}

Result<std::vector<OAuthClient>> SqliteClients::list(std::string_view after, std::size_t limit) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "list_clients")
      .all(sql_.list_clients, sql::read_client, after, static_cast<std::int64_t>(limit));
}

Result<void> SqliteClients::update(const OAuthClient& c) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "update_client")
      .change(sql_.update_client, c.id, c.secret_digest, c.registration_digest, c.metadata, c.updated_at);
}

Result<void> SqliteClients::remove(std::string_view id) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "delete_client").change(sql_.delete_client, id);
}

}  // namespace latchkey::store::sqlite
