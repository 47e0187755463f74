#include "store/migrations.hpp"

#include <array>

namespace latchkey::store {

namespace {

constexpr std::array kMigrations{
    Migration{1, "users, sessions and signing keys", R"sql(
CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  created_at    BIGINT NOT NULL
);
CREATE TABLE sessions (
  id           TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  refresh_hash TEXT NOT NULL UNIQUE,
  created_at   BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  revoked_at   BIGINT,
  user_agent   TEXT NOT NULL DEFAULT '',
  ip           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_user ON sessions (user_id, created_at);
CREATE INDEX sessions_by_revoked_at ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE TABLE signing_keys (
  kid        TEXT PRIMARY KEY,
  alg        TEXT NOT NULL,
  material   TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
)sql"},
    Migration{2, "refresh rotation state, end reasons, server secrets", R"sql(
ALTER TABLE sessions ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN prev_refresh_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN rotated_at BIGINT;
ALTER TABLE sessions ADD COLUMN revoked_reason TEXT;
CREATE TABLE server_secrets (
  name       TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
)sql"},
    Migration{3, "signing key schedule", R"sql(
ALTER TABLE signing_keys ADD COLUMN not_before BIGINT NOT NULL DEFAULT 0;
ALTER TABLE signing_keys ADD COLUMN retired_at BIGINT;
)sql"},
    Migration{4, "login order within a second", R"sql(
ALTER TABLE sessions ADD COLUMN created_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX sessions_by_user_order ON sessions (user_id, created_at, created_seq);
)sql"},
    Migration{5, "usernames compared case-insensitively", R"sql(
ALTER TABLE users ADD COLUMN username_key TEXT;
UPDATE users SET username_key = username WHERE username_key IS NULL;
CREATE UNIQUE INDEX users_by_key ON users (username_key);
)sql"},
    Migration{6, "disabled users, audit trail, revocations of deleted users", R"sql(
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
CREATE TABLE audit_events (
  id           TEXT PRIMARY KEY,
  at           BIGINT NOT NULL,
  seq          BIGINT NOT NULL,
  event        TEXT NOT NULL,
  actor        TEXT NOT NULL,
  user_id      TEXT,
  username     TEXT NOT NULL DEFAULT '',
  username_key TEXT NOT NULL DEFAULT '',
  session_id   TEXT NOT NULL DEFAULT '',
  ip           TEXT NOT NULL DEFAULT '',
  user_agent   TEXT NOT NULL DEFAULT '',
  detail       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_by_user ON audit_events (user_id, at);
CREATE INDEX audit_by_username ON audit_events (username_key, at, seq);
CREATE INDEX audit_by_time ON audit_events (at, seq);
CREATE TABLE deleted_session_revocations (
  id         TEXT PRIMARY KEY,
  revoked_at BIGINT NOT NULL
);
CREATE INDEX deleted_revocations_by_time ON deleted_session_revocations (revoked_at);
)sql"},
    // The abuse limits' counters (store/limit_store.hpp). On PostgreSQL
    // UNLOGGED: a counter is written on every failed login, and losing them
    // in a crash only forgets recent failures, as a restart of one instance
    // always did; not worth a WAL record each.
    Migration{7, "abuse limit counters", R"sql(
CREATE TABLE limit_counters (
  limit_name   TEXT NOT NULL,
  account      TEXT NOT NULL DEFAULT '',
  ip           TEXT NOT NULL DEFAULT '',
  count        BIGINT NOT NULL,
  window_start BIGINT NOT NULL,
  locked_until BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (limit_name, account, ip)
);
CREATE INDEX limit_counters_by_account ON limit_counters (account, ip);
CREATE INDEX limit_counters_by_ip ON limit_counters (ip);
CREATE INDEX limit_counters_by_lock ON limit_counters (locked_until);
)sql",
              "ALTER TABLE limit_counters SET UNLOGGED;"},
    Migration{8, "OAuth clients", R"sql(
CREATE TABLE oauth_clients (
  id                  TEXT PRIMARY KEY,
  secret_digest       TEXT NOT NULL DEFAULT '',
  registration_digest TEXT NOT NULL DEFAULT '',
  metadata            TEXT NOT NULL,
  created_at          BIGINT NOT NULL,
  updated_at          BIGINT NOT NULL
);
)sql"},
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

}  // namespace latchkey::store
