#include "store/sqlite/sqlite_store.hpp"

#include <stdexcept>

#include "store/migrations.hpp"
#include "store/sqlite/checkpointer.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "store/sqlite/statement_results.hpp"
#include "store/sqlite/wal_sync.hpp"
#include "util/log.hpp"

namespace latchkey::store::sqlite {

namespace {

#define LK_SESSION_COLUMNS                                                                \
  "id, user_id, created_at, last_used_at, expires_at, revoked_at, user_agent, ip, "        \
  "refresh_hash, prev_refresh_hash, generation, rotated_at, created_seq, "                 \
  "COALESCE(revoked_reason, '')"

// Reads the session columns (LK_SESSION_COLUMNS) starting at column `at`.
Session read_session_at(const Statement& st, int at) {
  Session s;
  s.id = st.text(at + 0);
  s.user_id = st.text(at + 1);
  s.created_at = st.int64(at + 2);
  s.last_used_at = st.int64(at + 3);
  s.expires_at = st.int64(at + 4);
  s.revoked_at = st.optional_int64(at + 5);
  s.user_agent = st.text(at + 6);
  s.ip = st.text(at + 7);
  s.refresh_hash = st.text(at + 8);
  s.prev_refresh_hash = st.text(at + 9);
  s.generation = st.int64(at + 10);
  s.rotated_at = st.optional_int64(at + 11);
  s.created_seq = st.int64(at + 12);
  s.end_reason = st.text(at + 13);
  return s;
}

Session read_session(const Statement& st) { return read_session_at(st, 0); }

#define LK_USER_COLUMNS "id, username, password_hash, created_at, username_key, disabled_at"

// Reads the user columns (LK_USER_COLUMNS) starting at column `at`.
User read_user_at(const Statement& st, int at) {
  return User{st.text(at), st.text(at + 1), st.text(at + 2), st.int64(at + 3), st.text(at + 4),
              st.optional_int64(at + 5)};
}

User read_user(const Statement& st) { return read_user_at(st, 0); }

}  // namespace

namespace {
// The store whose batch this thread is running, if any.
thread_local const SqliteStore* t_batch_of = nullptr;
}  // namespace

SqliteStore::SqliteStore(const std::string& path) : writer_(std::make_unique<Db>(path)) {
  Db& db = *writer_;
  // busy_timeout first: another process (an admin command) may hold the lock.
  const bool ok = db.exec("PRAGMA busy_timeout = 5000") == SQLITE_OK &&
                  db.exec("PRAGMA journal_mode = WAL") == SQLITE_OK &&
                  db.exec("PRAGMA foreign_keys = ON") == SQLITE_OK;
  if (!ok) throw std::runtime_error("cannot use SQLite database '" + path + "': " + db.last_error());
  Statement* mode = db.prepare("PRAGMA journal_mode");
  const bool wal = mode->step() == SQLITE_ROW && mode->text(0) == "wal";
  mode->reset();
  const std::string file = db.file_name();
  // In WAL mode commits are flushed by group commit (WalSync); otherwise (an
  // in-memory database) each commit syncs itself, if there is anything to sync.
  if (wal && !file.empty()) {
    wal_sync_ = std::make_unique<WalSync>(file + "-wal");
    db.on_commit([this] { wal_sync_->reserve(); });
    checkpointer_ = std::make_unique<Checkpointer>(file);
    db.on_wal_commit([this](int pages) { checkpointer_->wal_size(pages); });
  }
  if (db.exec(wal_sync_ ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL") != SQLITE_OK)
    throw std::runtime_error("cannot use SQLite database '" + path + "': " + db.last_error());
  migrate(db);
  if (wal_sync_) {
    wal_sync_->written();
    wal_sync_->wait(wal_sync_->last_reserved());
    reader_ = std::make_unique<Db>(file);
    if (reader_->exec("PRAGMA busy_timeout = 5000; PRAGMA query_only = ON") != SQLITE_OK)
      throw std::runtime_error("cannot use SQLite database '" + path + "': " + reader_->last_error());
  }
  stats().pool_size.store(reader_ ? 2 : 1, std::memory_order_relaxed);
}

SqliteStore::Access::Access(SqliteStore& s, Use use) : store_(s) {
  if (t_batch_of == &s) {
    db_ = s.writer_.get();
    return;
  }
  const bool reader = use == Use::read && s.reader_;
  held_ = reader ? &s.reader_mutex_ : &s.writer_mutex_;
  db_ = reader ? s.reader_.get() : s.writer_.get();
  held_->lock();
  commits_before_ = db_->commits();
}

SqliteStore::Access::~Access() {
  if (!held_) return;  // the batch answers for itself
  WalSync* wal = store_.wal_sync_.get();
  if (wal && db_->commits() != commits_before_) wal->written();
  held_->unlock();
  if (wal) wal->wait(wal->last_reserved());
}

void SqliteStore::begin() {
  writer_mutex_.lock();
  t_batch_of = this;
  if (int rc = writer_->exec("BEGIN IMMEDIATE"); rc != SQLITE_OK) (void)fail(*writer_, rc, "batch");
}

bool SqliteStore::intact() { return writer_->in_transaction(); }

bool SqliteStore::end(bool intact) {
  bool committed = false;
  if (intact) {
    const int rc = writer_->exec("COMMIT");
    committed = rc == SQLITE_OK;
    if (!committed) (void)fail(*writer_, rc, "batch");
  }
  if (writer_->in_transaction()) writer_->exec("ROLLBACK");
  if (wal_sync_) wal_sync_->written();
  t_batch_of = nullptr;
  std::vector<std::function<void(bool)>> after;
  after.swap(after_batch_);
  writer_mutex_.unlock();
  for (auto& f : after) f(committed);
  return committed;
}

void SqliteStore::after_commit(std::function<void(bool committed)> f) {
  if (t_batch_of == this) after_batch_.push_back(std::move(f));
  else f(true);
}

void SqliteStore::when_durable(std::function<void()> done) {
  if (!wal_sync_) return done();
  wal_sync_->when_durable(wal_sync_->last_reserved(), std::move(done));
}

SqliteStore::~SqliteStore() { stop_watching(); }

Result<bool> SqliteStore::install_signer(const StoredKey& k, UnixSeconds now) {
  Access lock(*this, Use::write);
  Db& db = lock.db();
  Transaction txn(db);
  if (int rc = txn.begun(); rc != SQLITE_OK) return fail(db, rc, "install_signer");
  Statement* signer = db.prepare(
      "SELECT alg FROM signing_keys WHERE not_before <= ?1 AND (retired_at IS NULL OR retired_at > ?1) "
      "ORDER BY not_before DESC, created_at DESC, kid LIMIT 1");
  signer->bind(1, now);
  auto current = one_row<std::string>(db, signer, "install_signer", [](const Statement& r) { return r.text(0); });
  if (!current && current.error() != StoreError::not_found) return tl::unexpected(current.error());
  if (current && *current == k.alg) return false;
  Statement* retire = db.prepare("UPDATE signing_keys SET retired_at = ?1 WHERE retired_at IS NULL");
  retire->bind(1, now);
  if (auto r = run(db, retire, "install_signer"); !r) return tl::unexpected(r.error());
  if (auto r = insert_key(db, k); !r) return tl::unexpected(r.error());
  if (int rc = txn.commit(); rc != SQLITE_OK) return fail(db, rc, "install_signer");
  return true;
}

void SqliteStore::watch_revocations(RevokedCallback on_revoked, std::function<void()>) {
  watcher_ = std::thread([this, on_revoked = std::move(on_revoked)] {
    UnixSeconds since = now_unix() - 2;
    std::int64_t seen_version = -1;
    int idle_polls = 0;
    std::unique_lock lock(watch_mutex_);
    // Every 100 ms, the file's data_version (changed by other processes'
    // commits only) says whether to look; at least once a second regardless.
    while (!watch_wake_.wait_for(lock, std::chrono::milliseconds(100), [&] { return watch_stop_; })) {
      lock.unlock();
      std::int64_t version = -1;
      {
        Access db_lock(*this, Use::read);
        Db& db = db_lock.db();
        Statement* st = db.prepare("PRAGMA data_version");
        if (st->step() == SQLITE_ROW) version = st->int64(0);
        st->reset();
      }
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
  });
}

void SqliteStore::stop_watching() {
  {
    std::lock_guard lock(watch_mutex_);
    watch_stop_ = true;
  }
  watch_wake_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

Result<Snapshot> SqliteStore::export_all() {
  Snapshot snap;
  {
    Access lock(*this, Use::read);
    Db& db = lock.db();
    auto users = all_rows<User>(db, db.prepare("SELECT " LK_USER_COLUMNS " FROM users"),
                                "export_all", read_user);
    if (!users) return tl::unexpected(users.error());
    snap.users = std::move(*users);
    auto sessions = all_rows<Session>(db, db.prepare("SELECT " LK_SESSION_COLUMNS " FROM sessions"),
                                      "export_all", read_session);
    if (!sessions) return tl::unexpected(sessions.error());
    snap.sessions = std::move(*sessions);
    auto secrets = all_rows<Secret>(db, db.prepare("SELECT name, value, created_at FROM server_secrets"),
                                    "export_all", [](const Statement& r) {
                                      return Secret{r.text(0), r.text(1), r.int64(2)};
                                    });
    if (!secrets) return tl::unexpected(secrets.error());
    snap.secrets = std::move(*secrets);
    auto audit = export_audit(db);
    if (!audit) return tl::unexpected(audit.error());
    snap.audit = std::move(*audit);
  }
  auto keys = list_keys();
  if (!keys) return tl::unexpected(keys.error());
  snap.keys = std::move(*keys);
  return snap;
}

Result<void> SqliteStore::import_all(const Snapshot& snap) {
  Access lock(*this, Use::write);
  Db& db = lock.db();
  Transaction txn(db);
  if (int rc = txn.begun(); rc != SQLITE_OK) return fail(db, rc, "import_all");
  auto abort = [](StoreError e) { return tl::unexpected(e); };
  Statement* count = db.prepare("SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM sessions)");
  if (count->step() != SQLITE_ROW) return abort(StoreError::failed);
  const bool empty = count->int64(0) == 0;
  count->reset();
  if (!empty) return abort(StoreError::conflict);
  for (const User& u : snap.users) {
    if (auto r = insert_user(db, u); !r) return abort(r.error());
  }
  for (const Session& x : snap.sessions) {
    Statement* st = db.prepare(
        "INSERT INTO sessions (id, user_id, refresh_hash, created_at, last_used_at, expires_at, "
        "revoked_at, user_agent, ip, prev_refresh_hash, generation, rotated_at, created_seq, "
        "revoked_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    st->bind(1, x.id);
    st->bind(2, x.user_id);
    st->bind(3, x.refresh_hash);
    st->bind(4, x.created_at);
    st->bind(5, x.last_used_at);
    st->bind(6, x.expires_at);
    st->bind(7, x.revoked_at);
    st->bind(8, x.user_agent);
    st->bind(9, x.ip);
    st->bind(10, x.prev_refresh_hash);
    st->bind(11, x.generation);
    st->bind(12, x.rotated_at);
    st->bind(13, x.created_seq);
    if (x.end_reason.empty()) st->bind_null(14);
    else st->bind(14, x.end_reason);
    if (auto r = run(db, st, "import_all"); !r) return abort(r.error());
  }
  for (const StoredKey& k : snap.keys) {
    if (auto r = insert_key(db, k); !r) return abort(r.error());
  }
  for (const Secret& sec : snap.secrets) {
    Statement* st = db.prepare(
        "INSERT INTO server_secrets (name, value, created_at) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value, created_at = excluded.created_at");
    st->bind(1, sec.name);
    st->bind(2, sec.value);
    st->bind(3, sec.created_at);
    if (auto r = run(db, st, "import_all"); !r) return abort(r.error());
  }
  if (auto r = insert_audit(db, snap.audit); !r) return abort(r.error());
  if (int rc = txn.commit(); rc != SQLITE_OK) return abort(error_from(rc));
  return {};
}

void SqliteStore::migrate(Db& db) {
  auto check = [&](int rc) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
      throw std::runtime_error(std::string("database migration failed: ") + db.last_error());
  };
  check(db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      "version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
  Statement* cur = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  check(cur->step());
  const std::int64_t have = cur->int64(0);
  cur->reset();
  const auto all = migrations();
  if (!all.empty() && have > all.back().version) {
    throw std::runtime_error("database schema version " + std::to_string(have) +
                             " is newer than this latchkey understands (" +
                             std::to_string(all.back().version) + ")");
  }
  for (const Migration& m : all) {
    if (m.version <= have) continue;
    check(db.exec("BEGIN IMMEDIATE"));
    int rc = db.exec(m.sql);
    if (rc == SQLITE_OK) {
      Statement* rec = db.prepare(
          "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?1, ?2, ?3)");
      rec->bind(1, static_cast<std::int64_t>(m.version));
      rec->bind(2, m.description);
      rec->bind(3, now_unix());
      rc = rec->step();
      rec->reset();
    }
    if (rc != SQLITE_OK && rc != SQLITE_DONE) {
      std::string msg = db.last_error();
      db.exec("ROLLBACK");
      throw std::runtime_error("database migration " + std::to_string(m.version) +
                               " failed: " + msg);
    }
    check(db.exec("COMMIT"));
    log::info("store.migrated", {{"version", static_cast<std::int64_t>(m.version)},
                                 {"description", m.description}});
  }
}

Result<void> SqliteStore::create_user(const User& u) {
  Access lock(*this, Use::write);
  Db& db = lock.db();
  return insert_user(db, u);
}

Result<void> SqliteStore::insert_user(Db& db, const User& u) {
  Statement* st = db.prepare(
      "INSERT INTO users (id, username, password_hash, created_at, username_key, disabled_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  st->bind(1, u.id);
  st->bind(2, u.username);
  st->bind(3, u.password_hash);
  st->bind(4, u.created_at);
  st->bind(5, u.username_key);
  st->bind(6, u.disabled_at);
  int rc = st->step();
  st->reset();
  if (rc == SQLITE_DONE) return {};
  if ((rc & 0xff) == SQLITE_CONSTRAINT) return tl::unexpected(StoreError::conflict);
  return fail(db, rc, "create_user");
}

Result<User> SqliteStore::find_user_by_name(std::string_view username_key) {
  Access lock(*this, Use::read);
  Db& db = lock.db();
  Statement* st = db.prepare(
      "SELECT " LK_USER_COLUMNS " FROM users WHERE username_key = ?1");
  st->bind(1, username_key);
  return one_row<User>(db, st, "find_user_by_name", read_user);
}

Result<User> SqliteStore::find_user_by_id(std::string_view id) {
  Access lock(*this, Use::read);
  Db& db = lock.db();
  Statement* st =
      db.prepare("SELECT " LK_USER_COLUMNS " FROM users WHERE id = ?1");
  st->bind(1, id);
  return one_row<User>(db, st, "find_user_by_id", read_user);
}

Result<void> SqliteStore::set_password_hash(std::string_view user_id, std::string_view hash) {
  Access lock(*this, Use::write);
  Db& db = lock.db();
  Statement* st = db.prepare("UPDATE users SET password_hash = ?2 WHERE id = ?1");
  st->bind(1, user_id);
  st->bind(2, hash);
  return run(db, st, "set_password_hash", true);
}

Result<void> SqliteStore::create_session(const Session& s) {
  Access lock(*this, Use::write);
  Db& db = lock.db();
  // Only for a user that exists and is not disabled: a login racing with a
  // disable cannot leave a live session behind (writes are serialised).
  Statement* st = db.prepare(
      "INSERT INTO sessions (id, user_id, refresh_hash, created_at, last_used_at, expires_at, "
      "user_agent, ip, created_seq) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 "
      "FROM users WHERE id = ?2 AND disabled_at IS NULL");
  st->bind(1, s.id);
  st->bind(2, s.user_id);
  st->bind(3, s.refresh_hash);
  st->bind(4, s.created_at);
  st->bind(5, s.last_used_at);
  st->bind(6, s.expires_at);
  st->bind(7, s.user_agent);
  st->bind(8, s.ip);
  st->bind(9, s.created_seq);
  return run(db, st, "create_session", true);
}

Result<Session> SqliteStore::find_session(std::string_view session_id) {
  Access lock(*this, Use::read);
  Db& db = lock.db();
  Statement* st = db.prepare("SELECT " LK_SESSION_COLUMNS " FROM sessions WHERE id = ?1");
  st->bind(1, session_id);
  return one_row<Session>(db, st, "find_session", read_session);
}

Result<SqliteStore::SessionAndUser> SqliteStore::find_session_and_user(std::string_view session_id) {
  Access lock(*this, Use::read);
  Db& db = lock.db();
  Statement* st = db.prepare(
      "SELECT s.id, s.user_id, s.created_at, s.last_used_at, s.expires_at, s.revoked_at, s.user_agent, "
      "s.ip, s.refresh_hash, s.prev_refresh_hash, s.generation, s.rotated_at, s.created_seq, "
      "COALESCE(s.revoked_reason, ''), u.id, u.username, u.password_hash, u.created_at, u.username_key, "
      "u.disabled_at FROM sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.id = ?1");
  st->bind(1, session_id);
  return one_row<SessionAndUser>(db, st, "find_session_and_user", [](const Statement& r) {
    SessionAndUser both{read_session_at(r, 0), std::nullopt};
    if (!r.is_null(14)) both.user = read_user_at(r, 14);
    return both;
  });
}

Result<bool> SqliteStore::rotate_refresh(const Rotation& r) {
  Access lock(*this, Use::write);
  Db& db = lock.db();
  Statement* st = db.prepare(
      "UPDATE sessions SET refresh_hash = ?4, prev_refresh_hash = ?3, generation = ?2 + 1, "
      "rotated_at = ?5, last_used_at = ?5 "
      "WHERE id = ?1 AND generation = ?2 AND refresh_hash = ?3 AND revoked_at IS NULL");
  st->bind(1, r.session_id);
  st->bind(2, r.from);
  st->bind(3, r.old_hash);
  st->bind(4, r.new_hash);
  st->bind(5, r.now);
  int rc = st->step();
  st->reset();
  if (rc != SQLITE_DONE) return fail(db, rc, "rotate_refresh");
  return db.changes() == 1;
}

Result<void> SqliteStore::touch_sessions(std::span<const Usage> used) {
  if (used.empty()) return {};
  Access lock(*this, Use::write);
  Db& db = lock.db();
  return in_transaction<void>(db, "touch_sessions", [&]() -> Result<void> {
    Statement* st = db.prepare("UPDATE sessions SET last_used_at = MAX(last_used_at, ?2) WHERE id = ?1");
    for (const Usage& u : used) {
      st->bind(1, u.session_id);
      st->bind(2, u.used_at);
      if (auto r = run(db, st, "touch_sessions"); !r) return r;
    }
    return {};
  });
}

Result<void> SqliteStore::revoke_session(std::string_view session_id, std::string_view user_id,
                                         UnixSeconds now, EndReason reason) {
  Access lock(*this, Use::write);
  Db& db = lock.db();
  Statement* st = db.prepare(
      "UPDATE sessions SET revoked_at = ?3, revoked_reason = ?4 "
      "WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL AND expires_at > ?3");
  st->bind(1, session_id);
  st->bind(2, user_id);
  st->bind(3, now);
  st->bind(4, reason_name(reason));
  return run(db, st, "revoke_session", true);
}

Result<std::vector<std::string>> SqliteStore::revoke_user_sessions(
    std::string_view user_id, std::optional<std::string_view> keep, UnixSeconds now,
    EndReason reason) {
  Access lock(*this, Use::write);
  Db& db = lock.db();
  Statement* st = db.prepare(
      "UPDATE sessions SET revoked_at = ?3, revoked_reason = ?4 "
      "WHERE user_id = ?1 AND id <> ?2 AND revoked_at IS NULL AND expires_at > ?3 RETURNING id");
  st->bind(1, user_id);
  st->bind(2, keep.value_or(std::string_view{}));
  st->bind(3, now);
  st->bind(4, reason_name(reason));
  return all_rows<std::string>(db, st, "revoke_user_sessions",
                               [](const Statement& r) { return r.text(0); });
}

Result<std::vector<Session>> SqliteStore::list_live_sessions(std::string_view user_id,
                                                             UnixSeconds now,
                                                             UnixSeconds idle_since) {
  Access lock(*this, Use::read);
  Db& db = lock.db();
  Statement* st = db.prepare(
      "SELECT " LK_SESSION_COLUMNS
      " FROM sessions WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2"
      " AND last_used_at >= ?3 ORDER BY created_at DESC, created_seq DESC, id");
  st->bind(1, user_id);
  st->bind(2, now);
  st->bind(3, idle_since);
  return all_rows<Session>(db, st, "list_live_sessions", read_session);
}

Result<std::vector<RevokedSession>> SqliteStore::list_revoked_since(UnixSeconds since) {
  Access lock(*this, Use::read);
  Db& db = lock.db();
  Statement* st = db.prepare(
      "SELECT id, revoked_at FROM sessions WHERE revoked_at >= ?1 "
      "UNION ALL SELECT id, revoked_at FROM deleted_session_revocations WHERE revoked_at >= ?1");
  st->bind(1, since);
  return all_rows<RevokedSession>(db, st, "list_revoked_since", [](const Statement& r) {
    return RevokedSession{r.text(0), r.int64(1)};
  });
}

Result<std::string> SqliteStore::ensure_secret(std::string_view name, std::string_view value,
                                               UnixSeconds now) {
  Access lock(*this, Use::write);
  Db& db = lock.db();
  auto read = [&] {
    Statement* sel = db.prepare("SELECT value FROM server_secrets WHERE name = ?1");
    sel->bind(1, name);
    return one_row<std::string>(db, sel, "ensure_secret", [](const Statement& r) { return r.text(0); });
  };
  // Read first: a database that can only be read still starts and serves reads.
  if (auto kept = read(); kept || kept.error() != StoreError::not_found) return kept;
  Statement* ins = db.prepare(
      "INSERT INTO server_secrets (name, value, created_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (name) DO NOTHING");
  ins->bind(1, name);
  ins->bind(2, value);
  ins->bind(3, now);
  if (auto r = run(db, ins, "ensure_secret"); !r) return tl::unexpected(r.error());
  return read();
}

Result<std::vector<StoredKey>> SqliteStore::list_keys() {
  Access lock(*this, Use::read);
  Db& db = lock.db();
  Statement* st = db.prepare(
      "SELECT kid, alg, material, created_at, not_before, retired_at FROM signing_keys "
      "ORDER BY not_before DESC, created_at DESC, kid");
  return all_rows<StoredKey>(db, st, "list_keys", [](const Statement& r) {
    return StoredKey{r.text(0), r.text(1), r.text(2), r.int64(3), r.int64(4), r.optional_int64(5)};
  });
}

Result<void> SqliteStore::insert_key(Db& db, const StoredKey& k) {
  Statement* st = db.prepare(
      "INSERT INTO signing_keys (kid, alg, material, created_at, not_before, retired_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  st->bind(1, k.kid);
  st->bind(2, k.alg);
  st->bind(3, k.material);
  st->bind(4, k.created_at);
  st->bind(5, k.not_before);
  st->bind(6, k.retired_at);
  int rc = st->step();
  st->reset();
  if (rc == SQLITE_DONE) return {};
  if ((rc & 0xff) == SQLITE_CONSTRAINT) return tl::unexpected(StoreError::conflict);
  return fail(db, rc, "add_key");
}

Result<void> SqliteStore::add_key(const StoredKey& k) {
  Access lock(*this, Use::write);
  return insert_key(lock.db(), k);
}

Result<void> SqliteStore::rotate_key(const StoredKey& k) {
  Access lock(*this, Use::write);
  Db& db = lock.db();
  Transaction txn(db);
  if (int rc = txn.begun(); rc != SQLITE_OK) return fail(db, rc, "rotate_key");
  Statement* st = db.prepare("UPDATE signing_keys SET retired_at = ?1 WHERE retired_at IS NULL");
  st->bind(1, k.not_before);
  if (auto r = run(db, st, "rotate_key"); !r) return r;
  if (auto r = insert_key(db, k); !r) return r;
  if (int rc = txn.commit(); rc != SQLITE_OK) return fail(db, rc, "rotate_key");
  return {};
}

Result<void> SqliteStore::ping() {
  Access lock(*this, Use::read);
  Db& db = lock.db();
  Statement* st = db.prepare("SELECT 1 FROM schema_migrations LIMIT 1");
  auto r = one_row<int>(db, st, "ping", [](const Statement&) { return 1; });
  if (!r && r.error() != StoreError::not_found) return tl::unexpected(r.error());
  return {};
}

Result<std::int64_t> SqliteStore::count_live_sessions(UnixSeconds now, UnixSeconds idle_since) {
  Access lock(*this, Use::read);
  Db& db = lock.db();
  Statement* st = db.prepare(
      "SELECT count(*) FROM sessions WHERE revoked_at IS NULL AND expires_at > ?1 AND last_used_at >= ?2");
  st->bind(1, now);
  st->bind(2, idle_since);
  return one_row<std::int64_t>(db, st, "count_live_sessions",
                               [](const Statement& r) { return r.int64(0); });
}

}  // namespace latchkey::store::sqlite
