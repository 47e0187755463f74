#pragma once
// Rows written the same way by every backend: which statement, which
// parameters in which order. `C` is the backend's statement runner on one
// connection (sqlite::Calls, postgres::PgCalls), with
//   run(stmt, args...)     a statement without rows; any failure reported
//   insert(stmt, args...)  the same, but a taken unique value is a plain
//                          `conflict` (an answer, not an error to log)
// Templates: no virtual call, no allocation beyond the backend's own.
#include <string_view>
#include <vector>

#include "store/records.hpp"
#include "store/result.hpp"
#include "store/sql/statements.hpp"

namespace latchkey::store::sql {

template <class C>
Result<void> insert_user(C& c, const Statements& st, const User& u) {
  return c.insert(st.insert_user, u.id, u.username, u.password_hash, u.created_at, u.username_key, u.disabled_at,
                  u.email, std::int64_t{u.email_verified ? 1 : 0});
}

// not_found when the user does not exist; conflict when another has the
// address verified (the unique index), as insert's rule.
template <class C>
Result<void> set_user_email(C& c, const Statements& st, std::string_view user_id, std::string_view email,
                            bool verified) {
  if (auto u = c.one(st.find_user_by_id, [](const auto& r) { return r.text(0); }, user_id); !u)
    return tl::unexpected(u.error());
  return c.insert(st.set_user_email, user_id, email, std::int64_t{verified ? 1 : 0});
}

template <class C>
Result<void> insert_key(C& c, const Statements& st, const StoredKey& k) {
  return c.insert(st.insert_key, k.kid, k.alg, k.material, k.created_at, k.not_before, k.retired_at);
}

// Every column, as exported: an ended session keeps its end.
template <class C>
Result<void> insert_session(C& c, const Statements& st, const Session& x) {
  return c.run(st.insert_session, x.id, x.user_id, x.refresh_hash, x.created_at, x.last_used_at, x.expires_at,
               x.revoked_at, x.user_agent, x.ip, x.prev_refresh_hash, x.generation, x.rotated_at, x.created_seq,
               NullIfEmpty{x.end_reason}, x.kind, x.client_id, x.parent_id, x.cookie_hash, x.auth_time, x.amr,
               x.scope);
}

template <class C>
Result<void> insert_code(C& c, const Statements& st, const AuthorizationCode& x) {
  return c.insert(st.insert_code, x.code_hash, x.client_id, x.user_id, x.browser_session_id, x.redirect_uri, x.scope,
                  x.nonce, x.code_challenge, x.auth_time, x.amr, x.created_at, x.expires_at, x.used_at,
                  x.issued_session_id);
}

// In the caller's transaction; stops at the first failure.
template <class C>
Result<void> insert_events(C& c, const Statements& st, const std::vector<AuditEvent>& events) {
  for (const AuditEvent& e : events) {
    const std::string_view detail = e.detail.empty() ? std::string_view("{}") : std::string_view(e.detail);
    auto r = c.run(st.insert_event, e.id, e.at, e.seq, e.event, e.actor, NullIfEmpty{e.user_id}, e.username,
                   e.username_key, e.session_id, e.ip, e.user_agent, detail);
    if (!r) return r;
  }
  return {};
}

}  // namespace latchkey::store::sql
