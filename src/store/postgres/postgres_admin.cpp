#include "store/postgres/postgres_admin.hpp"

#include <cstdint>

#include "store/sql/rows.hpp"

namespace latchkey::store::postgres {

using Ids = std::vector<std::string>;

namespace {

// Ends the user's sessions not yet ended, announcing each (SQLite's form has
// no NOTIFY: other processes poll).
constexpr OwnStmt kEndAll{
    "end_user_sessions",
    "WITH r AS (UPDATE sessions SET revoked_at = $2, revoked_reason = $3 "
    "WHERE user_id = $1 AND revoked_at IS NULL RETURNING id, revoked_at) "
    "SELECT r.id, pg_notify('latchkey_revocations', r.id || ' ' || r.revoked_at) FROM r"};

// The user row first: a login in flight (FOR SHARE on it) finishes before.
// SQLite needs no row lock: its writes are serialised.
constexpr OwnStmt kLockUser{"lock_user", "SELECT id FROM users WHERE id = $1 FOR UPDATE"};

}  // namespace

Result<std::vector<UserSummary>> PostgresAdmin::list_users(const UserQuery& q) {
  return with_connection(pool_, [&](PgCalls& c) {
    return c.all(sql_.list_users, sql::read_user_summary, q.after, q.now, q.idle_since,
                 static_cast<std::int64_t>(q.limit));
  });
}

Result<Ids> PostgresAdmin::disable_user(std::string_view user_id, UnixSeconds now) {
  return in_transaction<Ids>(pool_, [&](PgCalls& c) -> Result<Ids> {
    if (auto marked = c.change(sql_.mark_disabled, user_id, now); !marked) return tl::unexpected(marked.error());
    return c.all(kEndAll, sql::read_text, user_id, now, reason_name(EndReason::user_disabled));
  });
}

Result<void> PostgresAdmin::enable_user(std::string_view user_id) {
  return with_connection(pool_, [&](PgCalls& c) { return c.change(sql_.enable_user, user_id); });
}

Result<Ids> PostgresAdmin::delete_user(std::string_view user_id, UnixSeconds now, UnixSeconds keep_since) {
  return in_transaction<Ids>(pool_, [&](PgCalls& c) -> Result<Ids> {
    if (auto locked = c.one(kLockUser, sql::read_text, user_id); !locked) return tl::unexpected(locked.error());
    auto ended = c.all(kEndAll, sql::read_text, user_id, now, reason_name(EndReason::user_deleted));
    if (!ended) return ended;
    // The rows go with the user; their recent revocations must not.
    if (auto kept = c.run(sql_.keep_revocations, user_id, keep_since); !kept) return tl::unexpected(kept.error());
    if (auto dropped = c.run(sql_.delete_user, user_id); !dropped) return tl::unexpected(dropped.error());
    return ended;
  });
}

}  // namespace latchkey::store::postgres
