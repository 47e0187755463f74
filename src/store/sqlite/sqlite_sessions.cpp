#include "store/sqlite/sqlite_sessions.hpp"

#include "store/sql/rows.hpp"
#include "store/sqlite/statement_results.hpp"

namespace latchkey::store::sqlite {

using Access = Connections::Access;

namespace {

// SQLite's own forms, where PostgreSQL's differ: no row lock on the user or
// the parent session (writes are serialised: a login racing with a disable,
// or an oauth session racing with its browser session's end, cannot leave a
// live session behind), MAX of two values, and no NOTIFY (other processes poll).
constexpr std::string_view kCreate =
    "INSERT INTO sessions (id, user_id, refresh_hash, created_at, last_used_at, expires_at, "
    "user_agent, ip, created_seq, kind, client_id, parent_id, cookie_hash, auth_time, amr, scope) "
    "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16 "
    "FROM users WHERE id = ?2 AND disabled_at IS NULL "
    "AND (?12 = '' OR EXISTS (SELECT 1 FROM sessions p WHERE p.id = ?12 AND p.revoked_at IS NULL))";
constexpr std::string_view kTouch = "UPDATE sessions SET last_used_at = MAX(last_used_at, ?2) WHERE id = ?1";
constexpr std::string_view kRevokeOne =
    "UPDATE sessions SET revoked_at = ?3, revoked_reason = ?4 "
    "WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL AND expires_at > ?3";
constexpr std::string_view kRevokeMany =
    "UPDATE sessions SET revoked_at = ?3, revoked_reason = ?4 "
    "WHERE user_id = ?1 AND id <> ?2 AND revoked_at IS NULL AND expires_at > ?3 RETURNING id";

}  // namespace

SqliteSessions::~SqliteSessions() { stop_watching(); }

Result<void> SqliteSessions::create(const Session& s) {
  Access lock(connections_, Use::write);
  // Only for a user that exists and is not disabled, and a parent not ended (see kCreate).
  return Calls(lock.db(), "create_session")
      .change(kCreate, s.id, s.user_id, s.refresh_hash, s.created_at, s.last_used_at, s.expires_at, s.user_agent,
              s.ip, s.created_seq, s.kind, s.client_id, s.parent_id, s.cookie_hash, s.auth_time, s.amr, s.scope);
}

Result<Session> SqliteSessions::find(std::string_view session_id) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "find_session").one(sql_.find_session, sql::read_session, session_id);
}

Result<SessionStore::WithUser> SqliteSessions::find_with_user(std::string_view session_id) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "find_session_and_user")
      .one(sql_.find_session_and_user, sql::read_session_with_user, session_id);
}

Result<SessionStore::WithUser> SqliteSessions::find_by_cookie(std::string_view cookie_hash) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "find_session_by_cookie")
      .one(sql_.find_session_by_cookie, sql::read_session_with_user, cookie_hash);
}

Result<void> SqliteSessions::reauthenticate(std::string_view session_id, UnixSeconds auth_time,
                                            std::string_view amr) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "reauthenticate").change(sql_.reauthenticate, session_id, auth_time, amr);
}

Result<bool> SqliteSessions::rotate_refresh(const Rotation& r) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  Calls calls(db, "rotate_refresh");
  if (auto done = calls.run(sql_.rotate_refresh, r.session_id, r.from, r.old_hash, r.new_hash, r.now); !done)
    return tl::unexpected(done.error());
  return db.changes() == 1;
}

Result<void> SqliteSessions::touch(std::span<const Usage> used) {
  if (used.empty()) return {};
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  return in_transaction<void>(db, "touch_sessions", [&]() -> Result<void> {
    Statement* st = db.prepare(kTouch);
    for (const Usage& u : used) {
      st->bind(1, u.session_id);
      st->bind(2, u.used_at);
      if (auto r = run(db, st, "touch_sessions"); !r) return r;
    }
    return {};
  });
}

Result<void> SqliteSessions::revoke(std::string_view session_id, std::string_view user_id, UnixSeconds now,
                                    EndReason reason) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "revoke_session").change(kRevokeOne, session_id, user_id, now, reason_name(reason));
}

Result<std::vector<std::string>> SqliteSessions::revoke_all_of(std::string_view user_id,
                                                               std::optional<std::string_view> keep,
                                                               UnixSeconds now, EndReason reason) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "revoke_user_sessions")
      .all(kRevokeMany, sql::read_text, user_id, keep.value_or(std::string_view{}), now, reason_name(reason));
}

Result<std::vector<Session>> SqliteSessions::list_live(std::string_view user_id, UnixSeconds now,
                                                       UnixSeconds idle_since) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "list_live_sessions")
      .all(sql_.list_live_sessions, sql::read_session, user_id, now, idle_since);
}

Result<std::int64_t> SqliteSessions::count_live(UnixSeconds now, UnixSeconds idle_since) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "count_live_sessions").one(sql_.count_live_sessions, sql::read_int64, now, idle_since);
}

Result<std::vector<RevokedSession>> SqliteSessions::list_revoked_since(UnixSeconds since) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "list_revoked_since").all(sql_.list_revoked_since, sql::read_revoked, since);
}

void SqliteSessions::watch_revocations(RevokedCallback on_revoked, std::function<void()>) {
  watcher_ = std::thread([this, on_revoked = std::move(on_revoked)] { poll_loop(on_revoked); });
}

void SqliteSessions::stop_watching() {
  {
    std::lock_guard lock(watch_mutex_);
    watch_stop_ = true;
  }
  watch_wake_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

// The file's data_version: changed by other processes' commits only. -1 when unreadable.
std::int64_t SqliteSessions::data_version() {
  Access lock(connections_, Use::read);
  Statement* st = lock.db().prepare("PRAGMA data_version");
  std::int64_t version = -1;
  if (st->step() == SQLITE_ROW) version = st->int64(0);
  st->reset();
  return version;
}

void SqliteSessions::poll_loop(const RevokedCallback& on_revoked) {
  UnixSeconds since = now_unix() - 2;
  std::int64_t seen_version = -1;
  int idle_polls = 0;
  std::unique_lock lock(watch_mutex_);
  // Every 100 ms, data_version says whether to look; at least once a second regardless.
  while (!watch_wake_.wait_for(lock, std::chrono::milliseconds(100), [&] { return watch_stop_; })) {
    lock.unlock();
    const std::int64_t version = data_version();
    if (version == seen_version && version != -1 && ++idle_polls < 10) {
      lock.lock();
      continue;
    }
    idle_polls = 0;
    const UnixSeconds now = now_unix();
    if (auto rows = list_revoked_since(since)) {
      seen_version = version;
      for (const auto& r : *rows) on_revoked(r);
      since = now - 2;  // revoked_at has one-second resolution: overlap a little
    }
    lock.lock();
  }
}

}  // namespace latchkey::store::sqlite

