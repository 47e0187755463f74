#include "store/sqlite/sqlite_consents.hpp"

#include "store/sql/rows.hpp"
#include "store/sqlite/statement_results.hpp"

namespace latchkey::store::sqlite {

using Access = Connections::Access;

// Nothing inserted: the user or the client is gone (see sql_.grant_consent).
Result<void> SqliteConsents::grant(const Consent& c) {
  Access lock(connections_, Use::write);
  auto r = Calls(lock.db(), "grant_consent").change(sql_.grant_consent, c.user_id, c.client_id, c.scope, c.granted_at);
  if (!r && r.error() == StoreError::conflict) return tl::unexpected(StoreError::not_found);
  return r;
}

Result<Consent> SqliteConsents::find(std::string_view user_id, std::string_view client_id) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "find_consent").one(sql_.find_consent, sql::read_consent, user_id, client_id);
}

Result<std::vector<Consent>> SqliteConsents::list_for_user(std::string_view user_id) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "list_consents").all(sql_.list_consents, sql::read_consent, user_id);
}

Result<void> SqliteConsents::revoke(std::string_view user_id, std::string_view client_id) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "revoke_consent").change(sql_.revoke_consent, user_id, client_id);
}

}  // namespace latchkey::store::sqlite
