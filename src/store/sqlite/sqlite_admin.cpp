#include "store/sqlite/sqlite_admin.hpp"

#include <cstdint>

#include "store/sql/rows.hpp"
#include "store/sqlite/statement_results.hpp"

namespace latchkey::store::sqlite {

using Access = Connections::Access;
using Ids = std::vector<std::string>;

namespace {

// Ends the user's sessions not yet ended (?1 user, ?2 now), returning their
// ids. PostgreSQL's form also announces each (NOTIFY); other SQLite
// processes poll instead.
constexpr std::string_view kEndDisabled =
    "UPDATE sessions SET revoked_at = ?2, revoked_reason = 'user_disabled' "
    "WHERE user_id = ?1 AND revoked_at IS NULL RETURNING id";
constexpr std::string_view kEndDeleted =
    "UPDATE sessions SET revoked_at = ?2, revoked_reason = 'user_deleted' "
    "WHERE user_id = ?1 AND revoked_at IS NULL RETURNING id";

}  // namespace

Result<std::vector<UserSummary>> SqliteAdmin::list_users(const UserQuery& q) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "list_users")
      .all(sql_.list_users, sql::read_user_summary, q.after, q.now, q.idle_since, static_cast<std::int64_t>(q.limit));
}

Result<Ids> SqliteAdmin::disable_user(std::string_view user_id, UnixSeconds now) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  Calls calls(db, "disable_user");
  return in_transaction<Ids>(db, "disable_user", [&]() -> Result<Ids> {
    if (auto r = calls.run(sql_.mark_disabled, user_id, now); !r) return tl::unexpected(r.error());
    if (db.changes() == 0) return tl::unexpected(StoreError::not_found);
    return calls.all(kEndDisabled, sql::read_text, user_id, now);
  });
}

Result<void> SqliteAdmin::enable_user(std::string_view user_id) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "enable_user").change(sql_.enable_user, user_id);
}

Result<Ids> SqliteAdmin::delete_user(std::string_view user_id, UnixSeconds now, UnixSeconds keep_since) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  Calls calls(db, "delete_user");
  return in_transaction<Ids>(db, "delete_user", [&]() -> Result<Ids> {
    auto ended = calls.all(kEndDeleted, sql::read_text, user_id, now);
    if (!ended) return ended;
    // The rows go with the user; their recent revocations must not.
    if (auto r = calls.run(sql_.keep_revocations, user_id, keep_since); !r) return tl::unexpected(r.error());
    if (auto r = calls.run(sql_.delete_user, user_id); !r) return tl::unexpected(r.error());
    if (db.changes() == 0) return tl::unexpected(StoreError::not_found);
    return ended;
  });
}

}  // namespace latchkey::store::sqlite
