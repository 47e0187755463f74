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
    // The OpenID Connect provider: browser and oauth sessions, one-time
    // authorization codes, remembered consents, used client assertions, and
    // back-channel logout. Ending a session (whatever ends it) ends its
    // children and queues the logout deliveries of the clients noted in it,
    // in the same transaction, by a trigger (store/logout_store.hpp); the
    // dialects differ there (and in the queue's autoincrementing key), so
    // each has its own part. Deleting a user first ends its sessions
    // (admin_queries.hpp), so the trigger runs before the rows go; the queue
    // has no foreign key and outlives them.
    // authorization_codes.redemptions counts redeem calls: the one that
    // makes it 1 is the first, in one statement on both databases.
    Migration{9, "OpenID Connect: sessions by kind, codes, consents, logout deliveries, used assertions", R"sql(
ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'api';
ALTER TABLE sessions ADD COLUMN client_id TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN parent_id TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN cookie_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN auth_time BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
ALTER TABLE sessions ADD COLUMN scope TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX sessions_by_cookie ON sessions (cookie_hash) WHERE cookie_hash <> '';
CREATE INDEX sessions_by_parent ON sessions (parent_id) WHERE parent_id <> '';
CREATE TABLE authorization_codes (
  code_hash          TEXT PRIMARY KEY,
  client_id          TEXT NOT NULL,
  user_id            TEXT NOT NULL,
  browser_session_id TEXT NOT NULL DEFAULT '',
  redirect_uri       TEXT NOT NULL DEFAULT '',
  scope              TEXT NOT NULL DEFAULT '',
  nonce              TEXT NOT NULL DEFAULT '',
  code_challenge     TEXT NOT NULL DEFAULT '',
  auth_time          BIGINT NOT NULL DEFAULT 0,
  amr                TEXT NOT NULL DEFAULT '',
  created_at         BIGINT NOT NULL,
  expires_at         BIGINT NOT NULL,
  used_at            BIGINT,
  issued_session_id  TEXT NOT NULL DEFAULT '',
  redemptions        BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);
CREATE TABLE consents (
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  client_id  TEXT NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
  scope      TEXT NOT NULL DEFAULT '',
  granted_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, client_id)
);
CREATE INDEX consents_by_client ON consents (client_id);
CREATE TABLE session_clients (
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  client_id  TEXT NOT NULL,
  logout_uri TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (session_id, client_id)
);
CREATE TABLE used_assertions (
  key        TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
CREATE INDEX used_assertions_by_expiry ON used_assertions (expires_at);
)sql",
              R"sql(
CREATE TABLE logout_deliveries (
  id              BIGSERIAL PRIMARY KEY,
  client_id       TEXT NOT NULL,
  logout_uri      TEXT NOT NULL,
  user_id         TEXT NOT NULL,
  session_id      TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  attempts        BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  last_error      TEXT NOT NULL DEFAULT '',
  delivered_at    BIGINT,
  gave_up_at      BIGINT
);
CREATE INDEX logout_deliveries_due ON logout_deliveries (next_attempt_at)
  WHERE delivered_at IS NULL AND gave_up_at IS NULL;
CREATE FUNCTION latchkey_session_ended() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  child RECORD;
BEGIN
  -- Its children end with it, announced as every revocation is.
  FOR child IN
    UPDATE sessions SET revoked_at = NEW.revoked_at, revoked_reason = 'sso_logout'
    WHERE parent_id = NEW.id AND parent_id <> '' AND revoked_at IS NULL
    RETURNING id, revoked_at
  LOOP
    PERFORM pg_notify('latchkey_revocations', child.id || ' ' || child.revoked_at);
  END LOOP;
  INSERT INTO logout_deliveries (client_id, logout_uri, user_id, session_id, created_at, attempts, next_attempt_at)
    SELECT client_id, logout_uri, NEW.user_id, NEW.id, NEW.revoked_at, 0, NEW.revoked_at
    FROM session_clients WHERE session_id = NEW.id AND logout_uri <> '';
  RETURN NULL;
END;
$fn$;
CREATE TRIGGER sessions_ended AFTER UPDATE OF revoked_at ON sessions
  FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
  EXECUTE PROCEDURE latchkey_session_ended();
)sql",
              R"sql(
CREATE TABLE logout_deliveries (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  client_id       TEXT NOT NULL,
  logout_uri      TEXT NOT NULL,
  user_id         TEXT NOT NULL,
  session_id      TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  attempts        BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  last_error      TEXT NOT NULL DEFAULT '',
  delivered_at    BIGINT,
  gave_up_at      BIGINT
);
CREATE INDEX logout_deliveries_due ON logout_deliveries (next_attempt_at)
  WHERE delivered_at IS NULL AND gave_up_at IS NULL;
CREATE TRIGGER sessions_ended AFTER UPDATE OF revoked_at ON sessions
  FOR EACH ROW WHEN OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
BEGIN
  UPDATE sessions SET revoked_at = NEW.revoked_at, revoked_reason = 'sso_logout'
    WHERE parent_id = NEW.id AND parent_id <> '' AND revoked_at IS NULL;
  INSERT INTO logout_deliveries (client_id, logout_uri, user_id, session_id, created_at, attempts, next_attempt_at)
    SELECT client_id, logout_uri, NEW.user_id, NEW.id, NEW.revoked_at, 0, NEW.revoked_at
    FROM session_clients WHERE session_id = NEW.id AND logout_uri <> '';
END;
)sql"},
    // sessions_by_user_order (user_id, created_at, created_seq) serves every
    // query sessions_by_user did: the second index only cost a page write per
    // new session (measured: a code flow wrote ~54 KB to disk, see bench/).
    // audit_by_user (user_id, at) serves no query: the audit trail is read by
    // username_key (audit_by_username) or by time (audit_by_time).
    Migration{10, "drop indexes that serve no query", R"sql(
DROP INDEX sessions_by_user;
DROP INDEX audit_by_user;
)sql"},
    // Second factors: a TOTP authenticator per user (its secret sealed,
    // crypto/aead.hpp), recovery codes as digests, and the sign-in
    // challenges between the password and the code. Each goes with its user.
    Migration{11, "second factors: TOTP, recovery codes, sign-in challenges", R"sql(
CREATE TABLE totp_factors (
  user_id       TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  sealed_secret TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  confirmed_at  BIGINT,
  last_step     BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE recovery_codes (
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash  TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  used_at    BIGINT,
  PRIMARY KEY (user_id, code_hash)
);
CREATE TABLE mfa_challenges (
  token_hash TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  binding    TEXT NOT NULL,
  amr        TEXT NOT NULL,
  auth_time  BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  failures   BIGINT NOT NULL DEFAULT 0,
  used_at    BIGINT
);
CREATE INDEX mfa_challenges_by_user ON mfa_challenges (user_id);
CREATE INDEX mfa_challenges_by_expiry ON mfa_challenges (expires_at);
)sql"},
    // Passkeys (WebAuthn credentials: public keys only) and the challenges
    // of their ceremonies.
    Migration{12, "passkeys and WebAuthn challenges", R"sql(
CREATE TABLE passkeys (
  credential_id   TEXT PRIMARY KEY,
  user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name            TEXT NOT NULL,
  alg             BIGINT NOT NULL,
  public_key      TEXT NOT NULL,
  sign_count      BIGINT NOT NULL DEFAULT 0,
  aaguid          TEXT NOT NULL DEFAULT '',
  backup_eligible BIGINT NOT NULL DEFAULT 0,
  created_at      BIGINT NOT NULL,
  last_used_at    BIGINT
);
CREATE INDEX passkeys_by_user ON passkeys (user_id);
CREATE TABLE webauthn_challenges (
  challenge_hash TEXT PRIMARY KEY,
  purpose        TEXT NOT NULL,
  user_id        TEXT NOT NULL,
  binding        TEXT NOT NULL,
  expires_at     BIGINT NOT NULL,
  used_at        BIGINT
);
CREATE INDEX webauthn_challenges_by_expiry ON webauthn_challenges (expires_at);
)sql"},
    // Email (store/mail_store.hpp): an address per user (unique among the
    // verified ones), single-use link tokens as digests, and the durable
    // outbox. Security notices are queued BY THE DATABASE, in the same
    // transaction as the change they tell of, by triggers (as logout
    // deliveries are): a password changed (password_changed_at is set only by
    // a change, never by a rehash), an address changed (to the old address),
    // a second factor added or removed, a sign-in from a device (User-Agent)
    // the user has not signed in from before. A notice goes only to a
    // verified address and only when its kind is in mail_notices, which the
    // server fills at start from MAIL_NOTICES (empty when mail is off). The
    // dialects differ in the triggers, the clock and the autoincrementing
    // key, so each has its part.
    Migration{13, "email addresses, email tokens, the mail outbox and its notices", R"sql(
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN email_verified BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_changed_at BIGINT;
CREATE UNIQUE INDEX users_by_verified_email ON users (email) WHERE email_verified = 1;
CREATE TABLE email_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  purpose    TEXT NOT NULL,
  address    TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at    BIGINT
);
CREATE INDEX email_tokens_by_user ON email_tokens (user_id, purpose);
CREATE INDEX email_tokens_by_expiry ON email_tokens (expires_at);
CREATE TABLE mail_notices (
  kind TEXT PRIMARY KEY
);
CREATE TABLE known_devices (
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  device     TEXT NOT NULL,
  first_seen BIGINT NOT NULL,
  PRIMARY KEY (user_id, device)
);
)sql",
              R"sql(
CREATE TABLE mail_outbox (
  id              BIGSERIAL PRIMARY KEY,
  message_key     TEXT NOT NULL DEFAULT md5(random()::text || clock_timestamp()::text),
  kind            TEXT NOT NULL,
  user_id         TEXT NOT NULL DEFAULT '',
  recipient       TEXT NOT NULL,
  detail          TEXT NOT NULL DEFAULT '{}',
  created_at      BIGINT NOT NULL,
  attempts        BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  last_error      TEXT NOT NULL DEFAULT '',
  sent_at         BIGINT,
  gave_up_at      BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND gave_up_at IS NULL;
CREATE FUNCTION latchkey_notice(k TEXT, uid TEXT, address TEXT, detail TEXT, at BIGINT) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  IF address <> '' AND EXISTS (SELECT 1 FROM mail_notices WHERE kind = k) THEN
    INSERT INTO mail_outbox (kind, user_id, recipient, detail, created_at, next_attempt_at)
      VALUES (k, uid, address, detail, at, at);
  END IF;
END;
$fn$;
CREATE FUNCTION latchkey_verified_email(uid TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $fn$
  SELECT COALESCE((SELECT email FROM users WHERE id = uid AND email_verified = 1), '')
$fn$;
CREATE FUNCTION latchkey_username(uid TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $fn$
  SELECT COALESCE((SELECT username FROM users WHERE id = uid), '')
$fn$;
CREATE FUNCTION latchkey_password_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM latchkey_notice('password_changed', NEW.id, NEW.email,
    json_build_object('username', NEW.username)::text, COALESCE(NEW.password_changed_at, 0));
  RETURN NULL;
END;
$fn$;
CREATE TRIGGER password_changed AFTER UPDATE OF password_changed_at ON users
  FOR EACH ROW WHEN (NEW.email_verified = 1) EXECUTE PROCEDURE latchkey_password_changed();
CREATE FUNCTION latchkey_email_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM latchkey_notice('email_changed', NEW.id, OLD.email,
    json_build_object('username', NEW.username, 'new_email', NEW.email)::text, extract(epoch from now())::bigint);
  RETURN NULL;
END;
$fn$;
CREATE TRIGGER email_changed AFTER UPDATE OF email ON users
  FOR EACH ROW WHEN (OLD.email_verified = 1 AND OLD.email <> '' AND NEW.email <> OLD.email)
  EXECUTE PROCEDURE latchkey_email_changed();
CREATE FUNCTION latchkey_totp_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.confirmed_at IS NOT NULL THEN
      PERFORM latchkey_notice('factor_removed', OLD.user_id, latchkey_verified_email(OLD.user_id),
        json_build_object('factor', 'totp', 'username', latchkey_username(OLD.user_id))::text, extract(epoch from now())::bigint);
    END IF;
  ELSIF OLD.confirmed_at IS NULL AND NEW.confirmed_at IS NOT NULL THEN
    PERFORM latchkey_notice('factor_added', NEW.user_id, latchkey_verified_email(NEW.user_id),
      json_build_object('factor', 'totp', 'username', latchkey_username(NEW.user_id))::text, extract(epoch from now())::bigint);
  END IF;
  RETURN NULL;
END;
$fn$;
CREATE TRIGGER totp_confirmed AFTER UPDATE OF confirmed_at ON totp_factors
  FOR EACH ROW EXECUTE PROCEDURE latchkey_totp_changed();
CREATE TRIGGER totp_removed AFTER DELETE ON totp_factors
  FOR EACH ROW EXECUTE PROCEDURE latchkey_totp_changed();
CREATE FUNCTION latchkey_passkey_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM latchkey_notice('factor_removed', OLD.user_id, latchkey_verified_email(OLD.user_id),
      json_build_object('factor', 'passkey', 'username', latchkey_username(OLD.user_id))::text, extract(epoch from now())::bigint);
  ELSE
    PERFORM latchkey_notice('factor_added', NEW.user_id, latchkey_verified_email(NEW.user_id),
      json_build_object('factor', 'passkey', 'username', latchkey_username(NEW.user_id))::text, extract(epoch from now())::bigint);
  END IF;
  RETURN NULL;
END;
$fn$;
CREATE TRIGGER passkey_added AFTER INSERT ON passkeys
  FOR EACH ROW EXECUTE PROCEDURE latchkey_passkey_changed();
CREATE TRIGGER passkey_removed AFTER DELETE ON passkeys
  FOR EACH ROW EXECUTE PROCEDURE latchkey_passkey_changed();
CREATE FUNCTION latchkey_session_opened() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF EXISTS (SELECT 1 FROM known_devices WHERE user_id = NEW.user_id)
     AND NOT EXISTS (SELECT 1 FROM known_devices WHERE user_id = NEW.user_id AND device = NEW.user_agent) THEN
    PERFORM latchkey_notice('new_device', NEW.user_id, latchkey_verified_email(NEW.user_id),
      json_build_object('user_agent', NEW.user_agent, 'ip', NEW.ip, 'username', latchkey_username(NEW.user_id))::text, NEW.created_at);
  END IF;
  INSERT INTO known_devices (user_id, device, first_seen) VALUES (NEW.user_id, NEW.user_agent, NEW.created_at)
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END;
$fn$;
CREATE TRIGGER sessions_opened AFTER INSERT ON sessions
  FOR EACH ROW WHEN (NEW.kind IN ('api', 'browser') AND NEW.revoked_at IS NULL)
  EXECUTE PROCEDURE latchkey_session_opened();
)sql",
              R"sql(
CREATE TABLE mail_outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  message_key     TEXT NOT NULL DEFAULT (lower(hex(randomblob(16)))),
  kind            TEXT NOT NULL,
  user_id         TEXT NOT NULL DEFAULT '',
  recipient       TEXT NOT NULL,
  detail          TEXT NOT NULL DEFAULT '{}',
  created_at      BIGINT NOT NULL,
  attempts        BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  last_error      TEXT NOT NULL DEFAULT '',
  sent_at         BIGINT,
  gave_up_at      BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND gave_up_at IS NULL;
CREATE TRIGGER password_changed AFTER UPDATE OF password_changed_at ON users
  FOR EACH ROW WHEN NEW.email_verified = 1
    AND EXISTS (SELECT 1 FROM mail_notices WHERE kind = 'password_changed')
BEGIN
  INSERT INTO mail_outbox (kind, user_id, recipient, detail, created_at, next_attempt_at)
    VALUES ('password_changed', NEW.id, NEW.email, json_object('username', NEW.username),
            NEW.password_changed_at, NEW.password_changed_at);
END;
CREATE TRIGGER email_changed AFTER UPDATE OF email ON users
  FOR EACH ROW WHEN OLD.email_verified = 1 AND OLD.email <> '' AND NEW.email <> OLD.email
    AND EXISTS (SELECT 1 FROM mail_notices WHERE kind = 'email_changed')
BEGIN
  INSERT INTO mail_outbox (kind, user_id, recipient, detail, created_at, next_attempt_at)
    VALUES ('email_changed', NEW.id, OLD.email, json_object('username', NEW.username, 'new_email', NEW.email),
            unixepoch(), unixepoch());
END;
CREATE TRIGGER totp_confirmed AFTER UPDATE OF confirmed_at ON totp_factors
  FOR EACH ROW WHEN OLD.confirmed_at IS NULL AND NEW.confirmed_at IS NOT NULL
    AND EXISTS (SELECT 1 FROM mail_notices WHERE kind = 'factor_added')
BEGIN
  INSERT INTO mail_outbox (kind, user_id, recipient, detail, created_at, next_attempt_at)
    SELECT 'factor_added', id, email, json_object('factor', 'totp', 'username', username), unixepoch(), unixepoch()
    FROM users WHERE id = NEW.user_id AND email_verified = 1 AND email <> '';
END;
CREATE TRIGGER totp_removed AFTER DELETE ON totp_factors
  FOR EACH ROW WHEN OLD.confirmed_at IS NOT NULL
    AND EXISTS (SELECT 1 FROM mail_notices WHERE kind = 'factor_removed')
BEGIN
  INSERT INTO mail_outbox (kind, user_id, recipient, detail, created_at, next_attempt_at)
    SELECT 'factor_removed', id, email, json_object('factor', 'totp', 'username', username), unixepoch(), unixepoch()
    FROM users WHERE id = OLD.user_id AND email_verified = 1 AND email <> '';
END;
CREATE TRIGGER passkey_added AFTER INSERT ON passkeys
  FOR EACH ROW WHEN EXISTS (SELECT 1 FROM mail_notices WHERE kind = 'factor_added')
BEGIN
  INSERT INTO mail_outbox (kind, user_id, recipient, detail, created_at, next_attempt_at)
    SELECT 'factor_added', id, email, json_object('factor', 'passkey', 'username', username), unixepoch(), unixepoch()
    FROM users WHERE id = NEW.user_id AND email_verified = 1 AND email <> '';
END;
CREATE TRIGGER passkey_removed AFTER DELETE ON passkeys
  FOR EACH ROW WHEN EXISTS (SELECT 1 FROM mail_notices WHERE kind = 'factor_removed')
BEGIN
  INSERT INTO mail_outbox (kind, user_id, recipient, detail, created_at, next_attempt_at)
    SELECT 'factor_removed', id, email, json_object('factor', 'passkey', 'username', username), unixepoch(), unixepoch()
    FROM users WHERE id = OLD.user_id AND email_verified = 1 AND email <> '';
END;
CREATE TRIGGER sessions_opened AFTER INSERT ON sessions
  FOR EACH ROW WHEN NEW.kind IN ('api', 'browser') AND NEW.revoked_at IS NULL
BEGIN
  INSERT INTO mail_outbox (kind, user_id, recipient, detail, created_at, next_attempt_at)
    SELECT 'new_device', id, email, json_object('user_agent', NEW.user_agent, 'ip', NEW.ip, 'username', username),
           NEW.created_at, NEW.created_at
    FROM users WHERE id = NEW.user_id AND email_verified = 1 AND email <> ''
      AND EXISTS (SELECT 1 FROM mail_notices WHERE kind = 'new_device')
      AND EXISTS (SELECT 1 FROM known_devices WHERE user_id = NEW.user_id)
      AND NOT EXISTS (SELECT 1 FROM known_devices WHERE user_id = NEW.user_id AND device = NEW.user_agent);
  INSERT INTO known_devices (user_id, device, first_seen) VALUES (NEW.user_id, NEW.user_agent, NEW.created_at)
    ON CONFLICT DO NOTHING;
END;
)sql"},
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

}  // namespace latchkey::store
