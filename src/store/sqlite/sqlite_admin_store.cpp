// SqliteStore's administration calls: the user list, disabling and deleting
// users, and the audit trail. Kept apart from the request-path calls.
#include "store/sqlite/sqlite_db.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/sqlite/statement_results.hpp"
#include "util/log.hpp"

namespace latchkey::store::sqlite {

namespace {

std::string text_of(const Statement& st) { return st.text(0); }

constexpr const char* kAuditColumns =
    "id, at, seq, event, actor, COALESCE(user_id, ''), username, username_key, session_id, ip, "
    "user_agent, detail";

AuditEvent read_event(const Statement& st) {
  return AuditEvent{st.text(0), st.int64(1), st.int64(2), st.text(3), st.text(4), st.text(5),
                    st.text(6), st.text(7), st.text(8), st.text(9), st.text(10), st.text(11)};
}

}  // namespace

Result<std::vector<UserSummary>> SqliteStore::list_users(const UserQuery& q) {
  Access lock(*this, Use::read);
  Db& db = lock.db();
  Statement* st = db.prepare(
      "SELECT u.id, u.username, u.password_hash, u.created_at, u.username_key, u.disabled_at, "
      "(SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id AND s.revoked_at IS NULL "
      "AND s.expires_at > ?2 AND s.last_used_at >= ?3) "
      "FROM users u WHERE u.username_key > ?1 ORDER BY u.username_key LIMIT ?4");
  st->bind(1, q.after);
  st->bind(2, q.now);
  st->bind(3, q.idle_since);
  st->bind(4, static_cast<std::int64_t>(q.limit));
  return all_rows<UserSummary>(db, st, "list_users", [](const Statement& r) {
    return UserSummary{User{r.text(0), r.text(1), r.text(2), r.int64(3), r.text(4), r.optional_int64(5)},
                       r.int64(6)};
  });
}

Result<std::vector<std::string>> SqliteStore::disable_user(std::string_view user_id, UnixSeconds now) {
  Access lock(*this, Use::write);
  Db& db = lock.db();
  return in_transaction<std::vector<std::string>>(db, "disable_user", [&]() -> Result<std::vector<std::string>> {
    Statement* mark = db.prepare("UPDATE users SET disabled_at = COALESCE(disabled_at, ?2) WHERE id = ?1");
    mark->bind(1, user_id);
    mark->bind(2, now);
    if (auto r = run(db, mark, "disable_user"); !r) return tl::unexpected(r.error());
    if (db.changes() == 0) return tl::unexpected(StoreError::not_found);
    Statement* end = db.prepare(
        "UPDATE sessions SET revoked_at = ?2, revoked_reason = 'user_disabled' "
        "WHERE user_id = ?1 AND revoked_at IS NULL RETURNING id");
    end->bind(1, user_id);
    end->bind(2, now);
    return all_rows<std::string>(db, end, "disable_user", text_of);
  });
}

Result<void> SqliteStore::enable_user(std::string_view user_id) {
  Access lock(*this, Use::write);
  Db& db = lock.db();
  Statement* st = db.prepare("UPDATE users SET disabled_at = NULL WHERE id = ?1");
  st->bind(1, user_id);
  if (auto r = run(db, st, "enable_user"); !r) return r;
  if (db.changes() == 0) return tl::unexpected(StoreError::not_found);
  return {};
}

Result<std::vector<std::string>> SqliteStore::delete_user(std::string_view user_id, UnixSeconds now,
                                                          UnixSeconds keep_since) {
  Access lock(*this, Use::write);
  Db& db = lock.db();
  return in_transaction<std::vector<std::string>>(db, "delete_user", [&]() -> Result<std::vector<std::string>> {
    Statement* end = db.prepare(
        "UPDATE sessions SET revoked_at = ?2, revoked_reason = 'user_deleted' "
        "WHERE user_id = ?1 AND revoked_at IS NULL RETURNING id");
    end->bind(1, user_id);
    end->bind(2, now);
    auto ended = all_rows<std::string>(db, end, "delete_user", text_of);
    if (!ended) return ended;
    // The rows go with the user; their recent revocations must not.
    Statement* keep = db.prepare(
        "INSERT INTO deleted_session_revocations (id, revoked_at) "
        "SELECT id, revoked_at FROM sessions WHERE user_id = ?1 AND revoked_at >= ?2 "
        "ON CONFLICT (id) DO NOTHING");
    keep->bind(1, user_id);
    keep->bind(2, keep_since);
    if (auto r = run(db, keep, "delete_user"); !r) return tl::unexpected(r.error());
    Statement* drop = db.prepare("DELETE FROM users WHERE id = ?1");
    drop->bind(1, user_id);
    if (auto r = run(db, drop, "delete_user"); !r) return tl::unexpected(r.error());
    if (db.changes() == 0) return tl::unexpected(StoreError::not_found);
    return ended;
  });
}

Result<void> SqliteStore::insert_audit(Db& db, const std::vector<AuditEvent>& events) {
  Statement* st = db.prepare(
      "INSERT INTO audit_events (id, at, seq, event, actor, user_id, username, username_key, "
      "session_id, ip, user_agent, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  for (const AuditEvent& e : events) {
    st->bind(1, e.id);
    st->bind(2, e.at);
    st->bind(3, e.seq);
    st->bind(4, e.event);
    st->bind(5, e.actor);
    if (e.user_id.empty()) st->bind_null(6);
    else st->bind(6, e.user_id);
    st->bind(7, e.username);
    st->bind(8, e.username_key);
    st->bind(9, e.session_id);
    st->bind(10, e.ip);
    st->bind(11, e.user_agent);
    st->bind(12, e.detail.empty() ? std::string_view("{}") : std::string_view(e.detail));
    if (auto r = run(db, st, "append_audit"); !r) return r;
  }
  return {};
}

Result<void> SqliteStore::append_audit(const std::vector<AuditEvent>& events) {
  if (events.empty()) return {};
  Access lock(*this, Use::write);
  Db& db = lock.db();
  return in_transaction<void>(db, "append_audit", [&] { return insert_audit(db, events); });
}

Result<std::vector<AuditEvent>> SqliteStore::export_audit(Db& db) {
  return all_rows<AuditEvent>(db, db.prepare(std::string("SELECT ") + kAuditColumns + " FROM audit_events"),
                          "export_all", read_event);
}

Result<std::vector<AuditEvent>> SqliteStore::list_audit(const AuditQuery& q) {
  Access lock(*this, Use::read);
  Db& db = lock.db();
  const std::string order = " AND (at, seq) < (?2, ?3) ORDER BY at DESC, seq DESC, id DESC LIMIT ?4";
  Statement* st = q.username_key
                      ? db.prepare(std::string("SELECT ") + kAuditColumns +
                                     " FROM audit_events WHERE username_key = ?1" + order)
                      : db.prepare(std::string("SELECT ") + kAuditColumns +
                                     " FROM audit_events WHERE ?1 IS NULL" + order);
  if (q.username_key) st->bind(1, *q.username_key);
  else st->bind_null(1);
  st->bind(2, q.before ? q.before->first : INT64_MAX);
  st->bind(3, q.before ? q.before->second : INT64_MAX);
  st->bind(4, static_cast<std::int64_t>(q.limit));
  return all_rows<AuditEvent>(db, st, "list_audit", read_event);
}

Result<std::size_t> SqliteStore::prune(UnixSeconds audit_before, UnixSeconds revocations_before,
                                       std::size_t max_events) {
  Access lock(*this, Use::write);
  Db& db = lock.db();
  return in_transaction<std::size_t>(db, "prune", [&]() -> Result<std::size_t> {
    Statement* audit =
        db.prepare("DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE at < ?1 LIMIT ?2)");
    audit->bind(1, audit_before);
    audit->bind(2, static_cast<std::int64_t>(max_events));
    if (auto r = run(db, audit, "prune"); !r) return tl::unexpected(r.error());
    const auto removed = static_cast<std::size_t>(db.changes());
    Statement* kept = db.prepare("DELETE FROM deleted_session_revocations WHERE revoked_at < ?1");
    kept->bind(1, revocations_before);
    if (auto r = run(db, kept, "prune"); !r) return tl::unexpected(r.error());
    return removed;
  });
}

}  // namespace latchkey::store::sqlite
