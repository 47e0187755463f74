#include "store/postgres/postgres_store.hpp"

#include <poll.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "store/migrations.hpp"
#include "util/log.hpp"

namespace latchkey::store::postgres {

namespace {

constexpr auto kPoolWait = std::chrono::milliseconds(1500);
constexpr std::int64_t kMigrationLock = 0x6c6174636b6579;  // "latckey": one migrator at a time
// One signing-key change at a time, across instances.
constexpr std::string_view kKeyLock = "SELECT pg_advisory_xact_lock(30506595914262906)";

#define LK_PG_SESSION_COLUMNS                                                                   \
  "id, user_id, created_at, last_used_at, expires_at, revoked_at, user_agent, ip, "            \
  "refresh_hash, prev_refresh_hash, generation, rotated_at, created_seq, "                     \
  "COALESCE(revoked_reason, '')"

// Reads row `i`'s session columns (LK_PG_SESSION_COLUMNS) from column `at` on.
Session read_session_at(const PgResult& r, int i, int at) {
  Session s;
  s.id = r.text(i, at + 0);
  s.user_id = r.text(i, at + 1);
  s.created_at = r.int64(i, at + 2);
  s.last_used_at = r.int64(i, at + 3);
  s.expires_at = r.int64(i, at + 4);
  s.revoked_at = r.optional_int64(i, at + 5);
  s.user_agent = r.text(i, at + 6);
  s.ip = r.text(i, at + 7);
  s.refresh_hash = r.text(i, at + 8);
  s.prev_refresh_hash = r.text(i, at + 9);
  s.generation = r.int64(i, at + 10);
  s.rotated_at = r.optional_int64(i, at + 11);
  s.created_seq = r.int64(i, at + 12);
  s.end_reason = r.text(i, at + 13);
  return s;
}

Session read_session(const PgResult& r, int i) { return read_session_at(r, i, 0); }

#define LK_PG_USER_COLUMNS "id, username, password_hash, created_at, username_key, disabled_at"

// Reads row `i`'s user columns (LK_PG_USER_COLUMNS) from column `at` on.
User read_user_at(const PgResult& r, int i, int at) {
  return User{r.text(i, at), r.text(i, at + 1), r.text(i, at + 2), r.int64(i, at + 3), r.text(i, at + 4),
              r.optional_int64(i, at + 5)};
}

User read_user(const PgResult& r, int i) { return read_user_at(r, i, 0); }

StoredKey read_key(const PgResult& r, int i) {
  return StoredKey{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.int64(i, 3), r.int64(i, 4), r.optional_int64(i, 5)};
}

template <class T, class Read>
std::vector<T> rows_of(const PgResult& r, Read read) {
  std::vector<T> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read(r, i));
  return out;
}

// Runs one statement on a pooled connection.
Result<PgResult> query(PgPool& pool, std::string_view name, std::string_view sql,
                       const std::vector<Param>& params) {
  auto conn = pool.acquire();
  if (!conn) return tl::unexpected(conn.error());
  return (*conn)->run(name, sql, params);
}

template <class T, class Read>
Result<T> one(Result<PgResult> r, Read read) {
  if (!r) return tl::unexpected(r.error());
  if (r->rows() == 0) return tl::unexpected(StoreError::not_found);
  return read(*r, 0);
}

Result<void> none(Result<PgResult> r, bool require_change = false) {
  if (!r) return tl::unexpected(r.error());
  if (require_change && r->affected() == 0) return tl::unexpected(StoreError::not_found);
  return {};
}

// Runs `body` inside BEGIN ... COMMIT on one connection.
template <class Body>
Result<void> transaction(PgPool& pool, Body body) {
  auto conn = pool.acquire();
  if (!conn) return tl::unexpected(conn.error());
  if (auto r = (*conn)->exec("BEGIN"); !r) return r;
  Result<void> result = body(**conn);
  if (result) result = (*conn)->exec("COMMIT");
  if (!result) (void)(*conn)->exec("ROLLBACK");
  return result;
}

constexpr std::string_view kRevokeOne =
    "WITH r AS (UPDATE sessions SET revoked_at = $3, revoked_reason = $4 "
    "WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > $3 "
    "RETURNING id, revoked_at) "
    "SELECT r.id, pg_notify('latchkey_revocations', r.id || ' ' || r.revoked_at) FROM r";

constexpr std::string_view kRevokeMany =
    "WITH r AS (UPDATE sessions SET revoked_at = $3, revoked_reason = $4 "
    "WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL AND expires_at > $3 "
    "RETURNING id, revoked_at) "
    "SELECT r.id, pg_notify('latchkey_revocations', r.id || ' ' || r.revoked_at) FROM r";

}  // namespace

PostgresStore::PostgresStore(const std::string& conninfo, std::size_t pool_size)
    : conninfo_(conninfo), pool_(conninfo, pool_size, kPoolWait) {
  migrate();
}

PostgresStore::~PostgresStore() { stop_watching(); }

void PostgresStore::migrate() {
  PgConnection conn(conninfo_);
  if (!conn.ensure()) throw std::runtime_error("cannot connect to PostgreSQL: " + conn.last_error());
  auto must = [&](Result<void> r, const std::string& what) {
    if (!r) throw std::runtime_error("database migration failed (" + what + "): " + conn.last_error());
  };
  must(conn.exec("SELECT pg_advisory_lock(" + std::to_string(kMigrationLock) + ")"), "lock");
  must(conn.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
                 "description TEXT NOT NULL, applied_at BIGINT NOT NULL)"),
       "schema_migrations");
  auto have = conn.run("current_version", "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {});
  if (!have) throw std::runtime_error("database migration failed: " + conn.last_error());
  const std::int64_t version = have->int64(0, 0);
  const auto all = migrations();
  if (!all.empty() && version > all.back().version) {
    throw std::runtime_error("database schema version " + std::to_string(version) +
                             " is newer than this latchkey understands (" +
                             std::to_string(all.back().version) + ")");
  }
  for (const Migration& m : all) {
    if (m.version <= version) continue;
    must(conn.exec("BEGIN"), "begin");
    auto applied = conn.exec(m.sql);
    if (applied) {
      applied = none(conn.run("record_migration",
                              "INSERT INTO schema_migrations (version, description, applied_at) "
                              "VALUES ($1, $2, $3)",
                              {p(std::int64_t{m.version}), p(m.description), p(now_unix())}));
    }
    if (!applied) {
      const std::string why = conn.last_error();
      (void)conn.exec("ROLLBACK");
      throw std::runtime_error("database migration " + std::to_string(m.version) + " failed: " + why);
    }
    must(conn.exec("COMMIT"), "commit");
    log::info("store.migrated", {{"version", static_cast<std::int64_t>(m.version)}, {"description", m.description}});
  }
  must(conn.exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLock) + ")"), "unlock");
}

Result<void> PostgresStore::create_user(const User& u) {
  return none(query(pool_, "create_user",
                    "INSERT INTO users (id, username, password_hash, created_at, username_key) "
                    "VALUES ($1, $2, $3, $4, $5)",
                    {p(u.id), p(u.username), p(u.password_hash), p(u.created_at), p(u.username_key)}));
}

Result<User> PostgresStore::find_user_by_name(std::string_view username_key) {
  return one<User>(query(pool_, "find_user_by_key",
                         "SELECT " LK_PG_USER_COLUMNS " FROM users WHERE username_key = $1",
                         {p(username_key)}),
                   read_user);
}

Result<User> PostgresStore::find_user_by_id(std::string_view id) {
  return one<User>(query(pool_, "find_user_by_id",
                         "SELECT " LK_PG_USER_COLUMNS " FROM users WHERE id = $1",
                         {p(id)}),
                   read_user);
}

Result<void> PostgresStore::set_password_hash(std::string_view user_id, std::string_view hash) {
  return none(query(pool_, "set_password_hash", "UPDATE users SET password_hash = $2 WHERE id = $1",
                    {p(user_id), p(hash)}),
              true);
}

Result<void> PostgresStore::create_session(const Session& s) {
  // Only for a user that exists and is not disabled. FOR SHARE waits for a
  // disable in flight (it updates the user row) and then sees it: a login
  // racing with a disable cannot leave a live session behind.
  return none(query(pool_, "create_session",
                    "INSERT INTO sessions (id, user_id, refresh_hash, created_at, last_used_at, expires_at, "
                    "user_agent, ip, created_seq) SELECT $1::text, $2::text, $3::text, $4::bigint, $5::bigint, "
                    "$6::bigint, $7::text, $8::text, $9::bigint "
                    "FROM users WHERE id = $2 AND disabled_at IS NULL FOR SHARE",
                    {p(s.id), p(s.user_id), p(s.refresh_hash), p(s.created_at), p(s.last_used_at),
                     p(s.expires_at), p(s.user_agent), p(s.ip), p(s.created_seq)}),
              true);
}

Result<Session> PostgresStore::find_session(std::string_view session_id) {
  return one<Session>(query(pool_, "find_session",
                            "SELECT " LK_PG_SESSION_COLUMNS " FROM sessions WHERE id = $1", {p(session_id)}),
                      read_session);
}

Result<PostgresStore::SessionAndUser> PostgresStore::find_session_and_user(std::string_view session_id) {
  return one<SessionAndUser>(
      query(pool_, "find_session_and_user",
            "SELECT s.id, s.user_id, s.created_at, s.last_used_at, s.expires_at, s.revoked_at, s.user_agent, "
            "s.ip, s.refresh_hash, s.prev_refresh_hash, s.generation, s.rotated_at, s.created_seq, "
            "COALESCE(s.revoked_reason, ''), u.id, u.username, u.password_hash, u.created_at, "
            "u.username_key, u.disabled_at FROM sessions s LEFT JOIN users u ON u.id = s.user_id "
            "WHERE s.id = $1",
            {p(session_id)}),
      [](const PgResult& r, int i) {
        SessionAndUser both{read_session_at(r, i, 0), std::nullopt};
        if (!r.null(i, 14)) both.user = read_user_at(r, i, 14);
        return both;
      });
}

Result<bool> PostgresStore::rotate_refresh(const Rotation& r) {
  auto res = query(pool_, "rotate_refresh",
                   "UPDATE sessions SET refresh_hash = $4, prev_refresh_hash = $3, generation = $2 + 1, "
                   "rotated_at = $5, last_used_at = $5 "
                   "WHERE id = $1 AND generation = $2 AND refresh_hash = $3 AND revoked_at IS NULL",
                   {p(r.session_id), p(r.from), p(r.old_hash), p(r.new_hash), p(r.now)});
  if (!res) return tl::unexpected(res.error());
  return res->affected() == 1;
}

Result<void> PostgresStore::touch_sessions(std::span<const Usage> batch) {
  if (batch.empty()) return {};
  // Rows locked in one order by every instance: batches never deadlock.
  std::vector<Usage> used(batch.begin(), batch.end());
  std::sort(used.begin(), used.end(),
            [](const Usage& a, const Usage& b) { return a.session_id < b.session_id; });
  return transaction(pool_, [&](PgConnection& c) -> Result<void> {
    for (const Usage& u : used) {
      auto r = c.run("touch_session",
                     "UPDATE sessions SET last_used_at = GREATEST(last_used_at, $2) WHERE id = $1",
                     {p(u.session_id), p(u.used_at)});
      if (!r) return tl::unexpected(r.error());
    }
    return {};
  });
}

Result<void> PostgresStore::revoke_session(std::string_view session_id, std::string_view user_id,
                                           UnixSeconds now, EndReason reason) {
  auto r = query(pool_, "revoke_session", kRevokeOne,
                 {p(session_id), p(user_id), p(now), p(reason_name(reason))});
  if (!r) return tl::unexpected(r.error());
  if (r->rows() == 0) return tl::unexpected(StoreError::not_found);
  return {};
}

Result<std::vector<std::string>> PostgresStore::revoke_user_sessions(std::string_view user_id,
                                                                     std::optional<std::string_view> keep,
                                                                     UnixSeconds now, EndReason reason) {
  auto r = query(pool_, "revoke_user_sessions", kRevokeMany,
                 {p(user_id), p(keep.value_or(std::string_view{})), p(now), p(reason_name(reason))});
  if (!r) return tl::unexpected(r.error());
  return rows_of<std::string>(*r, [](const PgResult& x, int i) { return x.text(i, 0); });
}

Result<std::vector<Session>> PostgresStore::list_live_sessions(std::string_view user_id, UnixSeconds now,
                                                               UnixSeconds idle_since) {
  auto r = query(pool_, "list_live_sessions",
                 "SELECT " LK_PG_SESSION_COLUMNS
                 " FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2"
                 " AND last_used_at >= $3 ORDER BY created_at DESC, created_seq DESC, id",
                 {p(user_id), p(now), p(idle_since)});
  if (!r) return tl::unexpected(r.error());
  return rows_of<Session>(*r, read_session);
}

Result<std::vector<RevokedSession>> PostgresStore::list_revoked_since(UnixSeconds since) {
  auto r = query(pool_, "list_revoked_since",
                 "SELECT id, revoked_at FROM sessions WHERE revoked_at >= $1 "
                 "UNION ALL SELECT id, revoked_at FROM deleted_session_revocations WHERE revoked_at >= $1",
                 {p(since)});
  if (!r) return tl::unexpected(r.error());
  return rows_of<RevokedSession>(*r, [](const PgResult& x, int i) {
    return RevokedSession{x.text(i, 0), x.int64(i, 1)};
  });
}

Result<std::string> PostgresStore::ensure_secret(std::string_view name, std::string_view value, UnixSeconds now) {
  auto read = [&] {
    return one<std::string>(query(pool_, "ensure_secret_select", "SELECT value FROM server_secrets WHERE name = $1",
                                  {p(name)}),
                            [](const PgResult& r, int i) { return r.text(i, 0); });
  };
  if (auto kept = read(); kept || kept.error() != StoreError::not_found) return kept;
  auto ins = query(pool_, "ensure_secret_insert",
                   "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) "
                   "ON CONFLICT (name) DO NOTHING",
                   {p(name), p(value), p(now)});
  if (!ins) return tl::unexpected(ins.error());
  return read();
}

Result<std::vector<StoredKey>> PostgresStore::list_keys() {
  auto r = query(pool_, "list_keys",
                 "SELECT kid, alg, material, created_at, not_before, retired_at FROM signing_keys "
                 "ORDER BY not_before DESC, created_at DESC, kid",
                 {});
  if (!r) return tl::unexpected(r.error());
  return rows_of<StoredKey>(*r, read_key);
}

namespace {
constexpr std::string_view kInsertKey =
    "INSERT INTO signing_keys (kid, alg, material, created_at, not_before, retired_at) "
    "VALUES ($1, $2, $3, $4, $5, $6)";
std::vector<Param> key_params(const StoredKey& k) {
  return {p(k.kid), p(k.alg), p(k.material), p(k.created_at), p(k.not_before), p(k.retired_at)};
}
}  // namespace

Result<void> PostgresStore::add_key(const StoredKey& k) {
  return none(query(pool_, "insert_key", kInsertKey, key_params(k)));
}

Result<void> PostgresStore::rotate_key(const StoredKey& k) {
  return transaction(pool_, [&](PgConnection& c) -> Result<void> {
    // Serialised with every other key change, or two rotations could each
    // miss the key the other inserts and leave two current keys.
    auto locked = c.run("key_lock", kKeyLock, {});
    if (!locked) return tl::unexpected(locked.error());
    auto retired = c.run("retire_keys", "UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL",
                         {p(k.not_before)});
    if (!retired) return tl::unexpected(retired.error());
    return none(c.run("insert_key", kInsertKey, key_params(k)));
  });
}

Result<bool> PostgresStore::install_signer(const StoredKey& k, UnixSeconds now) {
  bool added = false;
  auto done = transaction(pool_, [&](PgConnection& c) -> Result<void> {
    auto locked = c.run("key_lock", kKeyLock, {});
    if (!locked) return tl::unexpected(locked.error());
    auto signer = c.run("current_signer",
                        "SELECT alg FROM signing_keys WHERE not_before <= $1 AND (retired_at IS NULL OR retired_at > $1) "
                        "ORDER BY not_before DESC, created_at DESC, kid LIMIT 1",
                        {p(now)});
    if (!signer) return tl::unexpected(signer.error());
    if (signer->rows() == 1 && signer->text(0, 0) == k.alg) return {};
    auto retired = c.run("retire_keys", "UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL", {p(now)});
    if (!retired) return tl::unexpected(retired.error());
    if (auto r = none(c.run("insert_key", kInsertKey, key_params(k))); !r) return r;
    added = true;
    return {};
  });
  if (!done) return tl::unexpected(done.error());
  return added;
}

void PostgresStore::watch_revocations(RevokedCallback on_revoked, std::function<void()> on_resync) {
  listener_ = std::thread([this, on_revoked = std::move(on_revoked), on_resync = std::move(on_resync)] {
    listen_loop(on_revoked, on_resync);
  });
}

void PostgresStore::stop_watching() {
  stop_ = true;
  if (listener_.joinable()) listener_.join();
}

void PostgresStore::listen_loop(RevokedCallback on_revoked, std::function<void()> on_resync) {
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
    PGconn* raw = conn.raw();
    while (!stop_) {
      pollfd pfd{PQsocket(raw), POLLIN, 0};
      const int ready = poll(&pfd, 1, 200);
      if (ready < 0) break;
      if (ready > 0 && PQconsumeInput(raw) == 0) break;  // connection lost
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
      if (PQstatus(raw) != CONNECTION_OK) break;
    }
    if (!stop_) log::warn("store.listener_lost");
  }
}

Result<Snapshot> PostgresStore::export_all() {
  Snapshot snap;
  auto conn = pool_.acquire();
  if (!conn) return tl::unexpected(conn.error());
  PgConnection& c = **conn;
  // One consistent picture, even while instances keep serving.
  if (auto r = c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !r) return tl::unexpected(r.error());
  auto read = [&]() -> Result<void> {
    auto users = c.run("export_users", "SELECT " LK_PG_USER_COLUMNS " FROM users", {});
    if (!users) return tl::unexpected(users.error());
    snap.users = rows_of<User>(*users, read_user);
    auto sessions = c.run("export_sessions", "SELECT " LK_PG_SESSION_COLUMNS " FROM sessions", {});
    if (!sessions) return tl::unexpected(sessions.error());
    snap.sessions = rows_of<Session>(*sessions, read_session);
    auto secrets = c.run("export_secrets", "SELECT name, value, created_at FROM server_secrets", {});
    if (!secrets) return tl::unexpected(secrets.error());
    snap.secrets = rows_of<Secret>(*secrets, [](const PgResult& r, int i) {
      return Secret{r.text(i, 0), r.text(i, 1), r.int64(i, 2)};
    });
    auto keys = c.run("export_keys",
                      "SELECT kid, alg, material, created_at, not_before, retired_at FROM signing_keys "
                      "ORDER BY not_before DESC, created_at DESC, kid",
                      {});
    if (!keys) return tl::unexpected(keys.error());
    snap.keys = rows_of<StoredKey>(*keys, read_key);
    auto audit = export_audit(c);
    if (!audit) return tl::unexpected(audit.error());
    snap.audit = std::move(*audit);
    return {};
  }();
  (void)c.exec(read ? "COMMIT" : "ROLLBACK");
  if (!read) return tl::unexpected(read.error());
  return snap;
}

Result<void> PostgresStore::import_all(const Snapshot& snap) {
  return transaction(pool_, [&](PgConnection& c) -> Result<void> {
    auto count = c.run("import_count", "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM sessions)", {});
    if (!count) return tl::unexpected(count.error());
    if (count->int64(0, 0) != 0) return tl::unexpected(StoreError::conflict);
    for (const User& u : snap.users) {
      auto r = c.run("import_user",
                     "INSERT INTO users (id, username, password_hash, created_at, username_key, disabled_at) "
                     "VALUES ($1, $2, $3, $4, $5, $6)",
                     {p(u.id), p(u.username), p(u.password_hash), p(u.created_at), p(u.username_key),
                      p(u.disabled_at)});
      if (!r) return tl::unexpected(r.error());
    }
    for (const Session& x : snap.sessions) {
      auto r = c.run("import_session",
                     "INSERT INTO sessions (id, user_id, refresh_hash, created_at, last_used_at, expires_at, "
                     "revoked_at, user_agent, ip, prev_refresh_hash, generation, rotated_at, created_seq, "
                     "revoked_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                     {p(x.id), p(x.user_id), p(x.refresh_hash), p(x.created_at), p(x.last_used_at),
                      p(x.expires_at), p(x.revoked_at), p(x.user_agent), p(x.ip), p(x.prev_refresh_hash),
                      p(x.generation), p(x.rotated_at), p(x.created_seq),
                      x.end_reason.empty() ? Param{} : p(x.end_reason)});
      if (!r) return tl::unexpected(r.error());
    }
    for (const StoredKey& k : snap.keys) {
      auto r = c.run("insert_key", kInsertKey, key_params(k));
      if (!r) return tl::unexpected(r.error());
    }
    for (const Secret& s : snap.secrets) {
      auto r = c.run("import_secret",
                     "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) "
                     "ON CONFLICT (name) DO UPDATE SET value = excluded.value, created_at = excluded.created_at",
                     {p(s.name), p(s.value), p(s.created_at)});
      if (!r) return tl::unexpected(r.error());
    }
    return insert_audit(c, snap.audit);
  });
}

Result<void> PostgresStore::ping() {
  return none(query(pool_, "ping", "SELECT 1 FROM schema_migrations LIMIT 1", {}));
}

Result<std::int64_t> PostgresStore::count_live_sessions(UnixSeconds now, UnixSeconds idle_since) {
  return one<std::int64_t>(
      query(pool_, "count_live_sessions",
            "SELECT count(*) FROM sessions WHERE revoked_at IS NULL AND expires_at > $1 AND last_used_at >= $2",
            {p(now), p(idle_since)}),
      [](const PgResult& r, int i) { return r.int64(i, 0); });
}

}  // namespace latchkey::store::postgres
