#include "store/postgres/postgres_consents.hpp"

#include "store/sql/rows.hpp"

namespace latchkey::store::postgres {

// Nothing inserted: the user or the client is gone (see sql_.grant_consent);
// a foreign key violation (one deleted meanwhile) is the same answer.
Result<void> PostgresConsents::grant(const Consent& x) {
  return with_connection(pool_, [&](PgCalls& c) -> Result<void> {
    auto r = c.change(sql_.grant_consent, x.user_id, x.client_id, x.scope, x.granted_at);
    if (!r && r.error() == StoreError::conflict) return tl::unexpected(StoreError::not_found);
    return r;
  });
}

Result<Consent> PostgresConsents::find(std::string_view user_id, std::string_view client_id) {
  return with_connection(pool_, [&](PgCalls& c) { return c.one(sql_.find_consent, sql::read_consent, user_id, client_id); });
}

Result<std::vector<Consent>> PostgresConsents::list_for_user(std::string_view user_id) {
  return with_connection(pool_, [&](PgCalls& c) { return c.all(sql_.list_consents, sql::read_consent, user_id); });
}

Result<void> PostgresConsents::revoke(std::string_view user_id, std::string_view client_id) {
  return with_connection(pool_, [&](PgCalls& c) { return c.change(sql_.revoke_consent, user_id, client_id); });
}

}  // namespace latchkey::store::postgres
