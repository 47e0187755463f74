#pragma once
// Export and import, written once for every backend over the aggregates'
// rows (sql/rows.hpp, sql/writes.hpp). The backend only opens the unit they
// run in (a read for the export, one transaction for the import) and hands
// its statement runner `C` (see writes.hpp), which also has
//   one(stmt, read, args...)  the first row, read by `read`; not_found if none
//   all(stmt, read, args...)  every row
#include <utility>
#include <vector>

#include "store/records.hpp"
#include "store/result.hpp"
#include "store/sql/rows.hpp"
#include "store/sql/statements.hpp"
#include "store/sql/writes.hpp"

namespace latchkey::store::sql {

namespace detail {
template <class T>
Result<void> keep(std::vector<T>& into, Result<std::vector<T>> rows) {
  if (!rows) return tl::unexpected(rows.error());
  into = std::move(*rows);
  return {};
}
}  // namespace detail

template <class C>
Result<Snapshot> read_snapshot(C& c, const Statements& st) {
  Snapshot snap;
  Result<void> ok = detail::keep(snap.users, c.all(st.all_users, read_user));
  if (ok) ok = detail::keep(snap.sessions, c.all(st.all_sessions, read_session));
  if (ok) ok = detail::keep(snap.secrets, c.all(st.all_secrets, read_secret));
  if (ok) ok = detail::keep(snap.keys, c.all(st.list_keys, read_key));
  if (ok) ok = detail::keep(snap.audit, c.all(st.all_events, read_event));
  if (ok) ok = detail::keep(snap.clients, c.all(st.all_clients, read_client));
  if (ok) ok = detail::keep(snap.consents, c.all(st.all_consents, read_consent));
  if (!ok) return tl::unexpected(ok.error());
  return snap;
}

// conflict when the database holds users or sessions already, or when a row
// is refused; the caller's transaction then undoes everything.
template <class C>
Result<void> write_snapshot(C& c, const Statements& st, const Snapshot& snap) {
  auto count = c.one(st.count_users_and_sessions, read_int64);
  if (!count) return tl::unexpected(count.error());
  if (*count != 0) return tl::unexpected(StoreError::conflict);
  for (const User& u : snap.users) {
    if (auto r = insert_user(c, st, u); !r) return r;
  }
  for (const Session& x : snap.sessions) {
    if (auto r = insert_session(c, st, x); !r) return r;
  }
  for (const StoredKey& k : snap.keys) {
    if (auto r = insert_key(c, st, k); !r) return r;
  }
  for (const Secret& s : snap.secrets) {
    if (auto r = c.run(st.put_secret, s.name, s.value, s.created_at); !r) return r;
  }
  for (const OAuthClient& x : snap.clients) {
    if (auto r = c.insert(st.insert_client, x.id, x.secret_digest, x.registration_digest, x.metadata, x.created_at,
                          x.updated_at);
        !r)
      return r;
  }
  for (const Consent& x : snap.consents) {  // after the users and clients they belong to
    if (auto r = c.insert(st.insert_consent, x.user_id, x.client_id, x.scope, x.granted_at); !r) return r;
  }
  return insert_events(c, st, snap.audit);
}

}  // namespace latchkey::store::sql
