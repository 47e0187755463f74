#include "store/postgres/postgres_clients.hpp"

#include "store/sql/rows.hpp"

namespace latchkey::store::postgres {

Result<void> PostgresClients::add(const OAuthClient& c) {
  return with_connection(pool_, [&](PgCalls& calls) {
    return calls.insert(sql_.insert_client, c.id, c.secret_digest, c.registration_digest, c.metadata, c.created_at,
                        c.updated_at);
  });
}

Result<OAuthClient> PostgresClients::find(std::string_view id) {
  return with_connection(pool_, [&](PgCalls& calls) { return calls.one(sql_.find_client, sql::read_client, id); });
}

Result<std::vector<OAuthClient>> PostgresClients::list(std::string_view after, std::size_t limit) {
  return with_connection(pool_, [&](PgCalls& calls) {
    return calls.all(sql_.list_clients, sql::read_client, after, static_cast<std::int64_t>(limit));
  });
}

Result<void> PostgresClients::update(const OAuthClient& c) {
  return with_connection(pool_, [&](PgCalls& calls) {
    return calls.change(sql_.update_client, c.id, c.secret_digest, c.registration_digest, c.metadata, c.updated_at);
  });
}

Result<void> PostgresClients::remove(std::string_view id) {
  return with_connection(pool_, [&](PgCalls& calls) { return calls.change(sql_.delete_client, id); });
}

}  // namespace latchkey::store::postgres
