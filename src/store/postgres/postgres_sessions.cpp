#include "store/postgres/postgres_sessions.hpp"

#include <poll.h>

#include <algorithm>
#include <charconv>
#include <chrono>

#include "store/sql/rows.hpp"
#include "util/log.hpp"

namespace latchkey::store::postgres {

namespace {

// Only for a user that exists and is not disabled, and (an oauth session
// opened in a browser session) a parent not ended. FOR SHARE waits for a
// disable in flight (it updates the user row) and then sees it: a login
// racing with a disable cannot leave a live session behind. Likewise for
// the parent: its end either waits for this insert (and its trigger then
// ends the child) or is seen by it. The user is locked before the parent (p
// reads u, however the planner orders the rest), as disable and delete lock
// the user before the sessions: no deadlock. (SQLite has no row locks, and
// needs none: its writes are serialised.) Parameters in a SELECT list have
// no type to infer: cast.
constexpr OwnStmt kCreate{
    "create_session",
    "WITH u AS (SELECT id FROM users WHERE id = $2 AND disabled_at IS NULL FOR SHARE), "
    "p AS (SELECT s.id FROM sessions s, u WHERE s.id = $12 AND s.revoked_at IS NULL FOR SHARE OF s) "
    "INSERT INTO sessions (id, user_id, refresh_hash, created_at, last_used_at, expires_at, "
    "user_agent, ip, created_seq, kind, client_id, parent_id, cookie_hash, auth_time, amr, scope) "
    "SELECT $1::text, $2::text, $3::text, $4::bigint, $5::bigint, $6::bigint, $7::text, $8::text, "
    "$9::bigint, $10::text, $11::text, $12::text, $13::text, $14::bigint, $15::text, $16::text "
    "FROM u WHERE $12::text = '' OR EXISTS (SELECT 1 FROM p)"};

// GREATEST where SQLite has MAX of two values.
constexpr OwnStmt kTouch{"touch_session",
                         "UPDATE sessions SET last_used_at = GREATEST(last_used_at, $2) WHERE id = $1"};

// Revocations are announced to every instance (pg_notify, sent at commit).
constexpr OwnStmt kRevokeOne{
    "revoke_session",
    "WITH r AS (UPDATE sessions SET revoked_at = $3, revoked_reason = $4 "
    "WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > $3 "
    "RETURNING id, revoked_at) "
    "SELECT r.id, pg_notify('latchkey_revocations', r.id || ' ' || r.revoked_at) FROM r"};
constexpr OwnStmt kRevokeMany{
    "revoke_user_sessions",
    "WITH r AS (UPDATE sessions SET revoked_at = $3, revoked_reason = $4 "
    "WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL AND expires_at > $3 "
    "RETURNING id, revoked_at) "
    "SELECT r.id, pg_notify('latchkey_revocations', r.id || ' ' || r.revoked_at) FROM r"};

}  // namespace

PostgresSessions::~PostgresSessions() { stop_watching(); }

Result<void> PostgresSessions::create(const Session& s) {
  return with_connection(pool_, [&](PgCalls& c) {
    return c.change(kCreate, s.id, s.user_id, s.refresh_hash, s.created_at, s.last_used_at, s.expires_at,
                    s.user_agent, s.ip, s.created_seq, s.kind, s.client_id, s.parent_id, s.cookie_hash, s.auth_time,
                    s.amr, s.scope);
  });
}

Result<Session> PostgresSessions::find(std::string_view session_id) {
  return with_connection(pool_, [&](PgCalls& c) { return c.one(sql_.find_session, sql::read_session, session_id); });
}

Result<SessionStore::WithUser> PostgresSessions::find_with_user(std::string_view session_id) {
  return with_connection(pool_, [&](PgCalls& c) {
    return c.one(sql_.find_session_and_user, sql::read_session_with_user, session_id);
  });
}

Result<SessionStore::WithUser> PostgresSessions::find_by_cookie(std::string_view cookie_hash) {
  return with_connection(pool_, [&](PgCalls& c) {
    return c.one(sql_.find_session_by_cookie, sql::read_session_with_user, cookie_hash);
  });
}

Result<void> PostgresSessions::reauthenticate(std::string_view session_id, UnixSeconds auth_time,
                                              std::string_view amr) {
  return with_connection(pool_, [&](PgCalls& c) { return c.change(sql_.reauthenticate, session_id, auth_time, amr); });
}

Result<bool> PostgresSessions::rotate_refresh(const Rotation& r) {
  return with_connection(pool_, [&](PgCalls& c) -> Result<bool> {
    auto res = c.query(sql_.rotate_refresh, r.session_id, r.from, r.old_hash, r.new_hash, r.now);
    if (!res) return tl::unexpected(res.error());
    return res->affected() == 1;
  });
}

Result<void> PostgresSessions::touch(std::span<const Usage> batch) {
  if (batch.empty()) return {};
  // Rows locked in one order by every instance: batches never deadlock.
  std::vector<Usage> used(batch.begin(), batch.end());
  std::sort(used.begin(), used.end(), [](const Usage& a, const Usage& b) { return a.session_id < b.session_id; });
  return in_transaction<void>(pool_, [&](PgCalls& c) -> Result<void> {
    for (const Usage& u : used) {
      if (auto r = c.run(kTouch, u.session_id, u.used_at); !r) return r;
    }
    return {};
  });
}

Result<void> PostgresSessions::revoke(std::string_view session_id, std::string_view user_id, UnixSeconds now,
                                      EndReason reason) {
  return with_connection(pool_, [&](PgCalls& c) -> Result<void> {
    auto r = c.query(kRevokeOne, session_id, user_id, now, reason_name(reason));
    if (!r) return tl::unexpected(r.error());
    if (r->rows() == 0) return tl::unexpected(StoreError::not_found);
    return {};
  });
}

Result<std::vector<std::string>> PostgresSessions::revoke_all_of(std::string_view user_id,
                                                                 std::optional<std::string_view> keep,
                                                                 UnixSeconds now, EndReason reason) {
  return with_connection(pool_, [&](PgCalls& c) {
    return c.all(kRevokeMany, sql::read_text, user_id, keep.value_or(std::string_view{}), now, reason_name(reason));
  });
}

Result<std::vector<Session>> PostgresSessions::list_live(std::string_view user_id, UnixSeconds now,
                                                         UnixSeconds idle_since) {
  return with_connection(pool_, [&](PgCalls& c) {
    return c.all(sql_.list_live_sessions, sql::read_session, user_id, now, idle_since);
  });
}

Result<std::int64_t> PostgresSessions::count_live(UnixSeconds now, UnixSeconds idle_since) {
  return with_connection(pool_, [&](PgCalls& c) {
    return c.one(sql_.count_live_sessions, sql::read_int64, now, idle_since);
  });
}

Result<std::vector<RevokedSession>> PostgresSessions::list_revoked_since(UnixSeconds since) {
  return with_connection(pool_, [&](PgCalls& c) { return c.all(sql_.list_revoked_since, sql::read_revoked, since); });
}

void PostgresSessions::watch_revocations(RevokedCallback on_revoked, std::function<void()> on_resync) {
  listener_ = std::thread([this, on_revoked = std::move(on_revoked), on_resync = std::move(on_resync)] {
    listen_loop(on_revoked, on_resync);
  });
}

void PostgresSessions::stop_watching() {
  stop_ = true;
  if (listener_.joinable()) listener_.join();
}

void PostgresSessions::listen_loop(const RevokedCallback& on_revoked, const std::function<void()>& on_resync) {
  bool first = true;
  while (!stop_) {
    PgConnection conn(conninfo_);
    if (!conn.ensure() || !conn.exec(std::string("LISTEN ") + kRevocationChannel)) {
      for (int i = 0; i < 10 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    // Listening (again): anything revoked before, while nobody was listening
    // (between the start-up load and now, or during an outage), is in the table.
    if (!first) log::info("store.listener_reconnected");
    first = false;
    on_resync();
    hear(conn.raw(), on_revoked);
    if (!stop_) log::warn("store.listener_lost");
  }
}

// Reports notifications until asked to stop or the connection is lost.
void PostgresSessions::hear(PGconn* raw, const RevokedCallback& on_revoked) {
  while (!stop_) {
    pollfd pfd{PQsocket(raw), POLLIN, 0};
    const int ready = poll(&pfd, 1, 200);
    if (ready < 0) return;
    if (ready > 0 && PQconsumeInput(raw) == 0) return;  // connection lost
    while (PGnotify* n = PQnotifies(raw)) {
      std::string_view payload(n->extra);
      const auto space = payload.find(' ');
      RevokedSession r{std::string(payload.substr(0, space)), 0};
      if (space != std::string_view::npos) {
        const auto t = payload.substr(space + 1);
        std::from_chars(t.data(), t.data() + t.size(), r.revoked_at);
      }
      PQfreemem(n);
      on_revoked(r);
    }
    if (PQstatus(raw) != CONNECTION_OK) return;
  }
}

}  // namespace latchkey::store::postgres
