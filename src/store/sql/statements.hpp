#pragma once
// The statements both backends run as they are: written once, with SQLite's
// numbered placeholders (?1, ?2...), and converted once per process for
// PostgreSQL ($1, $2...). What the dialects do differently (NOTIFY, row
// locks, advisory locks, MAX/GREATEST, parameter types in a SELECT list)
// stays in the backend's own files, which say why.
#include <string>
#include <string_view>

namespace latchkey::store::sql {

enum class Placeholders {
  numbered_question,  // ?1: SQLite
  numbered_dollar,    // $1: PostgreSQL
};

// `sql` (written with ?N) in `style`. Quoted literals are left alone.
std::string with_placeholders(std::string_view sql, Placeholders style);

// A text parameter bound as NULL when empty (no end reason, an unknown user).
struct NullIfEmpty {
  std::string_view text;
};

struct Stmt {
  std::string_view name;  // PostgreSQL's prepared statement: one name per text
  std::string text;       // in the backend's placeholder style
};

struct Statements {
  // users: ?1.. as the table's columns, in kUserColumns' order
  Stmt insert_user;        // id, username, password_hash, created_at, username_key, disabled_at
  Stmt find_user_by_key;   // username_key
  Stmt find_user_by_id;    // id
  Stmt set_password_hash;  // id, hash: the same password (a rehash)
  Stmt find_user_by_email;  // email: a verified one
  Stmt set_user_email;      // id, email, email_verified
  Stmt change_password;     // id, hash, now: a new password (the notice's trigger)

  // sessions
  Stmt find_session;           // id
  Stmt find_session_and_user;  // id: kSessionAndUserColumns
  Stmt rotate_refresh;         // id, from, old_hash, new_hash, now
  Stmt list_live_sessions;     // user_id, now, idle_since
  Stmt count_live_sessions;    // now, idle_since
  Stmt list_revoked_since;     // since (deleted users' kept revocations too)
  Stmt insert_session;         // every column, ended or not (import)
  Stmt find_session_by_cookie;  // cookie_hash: kSessionAndUserColumns
  Stmt reauthenticate;          // id, auth_time, amr: a live session

  // secrets and signing keys
  Stmt find_secret;              // name
  Stmt insert_secret_if_absent;  // name, value, created_at
  Stmt put_secret;               // name, value, created_at: replaces (import)
  Stmt list_keys;                // newest not_before first
  Stmt insert_key;               // kKeyColumns
  Stmt retire_keys_of;           // at, alg: every key of alg not retired by then
  Stmt retire_other_keys;        // at, alg, alg: every key of neither alg not retired by then
  Stmt signer_of;                // now, alg: the kid of the key of alg signing then

  // audit trail
  Stmt insert_event;        // kAuditColumns' columns (user_id NULL when unknown)
  Stmt list_events_of;      // username_key, before at, before seq, limit
  Stmt list_events;         // before at, before seq, limit
  Stmt prune_events;        // before, limit
  Stmt prune_revocations;   // before: kept revocations of deleted users

  // administration
  Stmt list_users;        // after key, now, idle_since, limit: kUserColumns + live sessions
  Stmt mark_disabled;     // id, now: keeps an earlier time
  Stmt enable_user;       // id
  Stmt keep_revocations;  // user_id, since: its sessions' revocations outlive it
  Stmt delete_user;       // id

  // OAuth clients (client_store.hpp)
  Stmt insert_client;  // kClientColumns
  Stmt find_client;    // id
  Stmt list_clients;   // after, limit
  Stmt update_client;  // id, secret_digest, registration_digest, metadata, updated_at
  Stmt delete_client;  // id

  // authorization codes (authorization_code_store.hpp)
  Stmt insert_code;    // kCodeColumns but redemptions (set from used_at)
  Stmt redeem_code;    // code_hash, now: kCodeColumns after the redemption
  Stmt set_code_issued;  // code_hash, session_id
  Stmt prune_codes;    // before

  // consents (consent_store.hpp)
  Stmt grant_consent;   // user_id, client_id, scope, granted_at: upsert if both exist
  Stmt insert_consent;  // the same, as is (import)
  Stmt find_consent;    // user_id, client_id
  Stmt list_consents;   // user_id: newest first
  Stmt revoke_consent;  // user_id, client_id

  // second factors (factor_store.hpp)
  Stmt put_pending_totp;   // user_id, sealed_secret, created_at: unless a confirmed one exists
  Stmt find_totp;          // user_id
  Stmt confirm_totp;       // user_id, step, now: if unconfirmed and step > last_step
  Stmt use_totp_step;      // user_id, step: if confirmed and step > last_step
  Stmt remove_totp;        // user_id
  Stmt insert_recovery_code;  // user_id, code_hash, created_at
  Stmt use_recovery_code;     // user_id, code_hash, now: if unused
  Stmt count_recovery_codes;  // user_id: unused ones
  Stmt remove_recovery_codes; // user_id
  Stmt insert_passkey;        // kPasskeyColumns
  Stmt find_passkey;          // credential_id
  Stmt list_passkeys;         // user_id: oldest first
  Stmt use_passkey;           // credential_id, sign_count, now: if the counter rule holds
  Stmt rename_passkey;        // user_id, credential_id, name
  Stmt remove_passkey;        // user_id, credential_id
  Stmt count_passkeys;        // user_id
  Stmt remove_passkeys;       // user_id

  // WebAuthn challenges (webauthn_challenge_store.hpp)
  Stmt insert_webauthn_challenge;  // kWebauthnChallengeColumns
  Stmt take_webauthn_challenge;    // challenge_hash, purpose, now: kWebauthnChallengeColumns
  Stmt prune_webauthn_challenges;  // before

  // sign-in challenges (mfa_challenge_store.hpp)
  Stmt insert_mfa_challenge;   // kMfaChallengeColumns
  Stmt find_mfa_challenge;     // token_hash
  Stmt fail_mfa_challenge;     // token_hash: failures after
  Stmt consume_mfa_challenge;  // token_hash, now, max failures
  Stmt prune_mfa_challenges;   // before

  // back-channel logout (logout_store.hpp); the queue is filled by migration 9's trigger
  Stmt note_client;         // session_id, client_id, logout_uri: upsert if the session exists
  Stmt due_deliveries;      // now, limit
  Stmt delivery_delivered;  // id, now
  Stmt delivery_failed;     // id, next_attempt_at, error
  Stmt delivery_gave_up;    // id, now, error
  Stmt list_deliveries;     // limit: newest first
  Stmt prune_deliveries;    // before

  // email tokens and the mail outbox (mail_store.hpp); notices are queued by migration 13's triggers
  Stmt void_email_tokens;   // user_id, purpose: the unused ones
  Stmt insert_email_token;  // kEmailTokenColumns
  Stmt find_email_token;    // token_hash, purpose, now: unused and unexpired
  Stmt redeem_email_token;  // token_hash, purpose, now: kEmailTokenColumns after
  Stmt prune_email_tokens;  // before
  Stmt insert_mail;         // kind, user_id, recipient, detail, created_at, next_attempt_at
  Stmt clear_notices;
  Stmt insert_notice;       // kind
  Stmt due_mail;            // now, limit: oldest first
  Stmt mail_sent;           // id, now
  Stmt mail_failed;         // id, next_attempt_at, error
  Stmt mail_gave_up;        // id, now, error
  Stmt retry_mail;          // id, now: if given up
  Stmt list_mail;           // limit: newest first
  Stmt count_pending_mail;
  Stmt prune_mail;          // before

  // used client assertions (assertion_store.hpp)
  Stmt first_use_assertion;  // key, expires_at: inserts unless present
  Stmt prune_assertions;     // before

  // abuse limit counters (limit_store.hpp); each backend applies an event
  // in its own way (see sqlite_limits.cpp, postgres_limits.cpp)
  Stmt read_limit;     // limit, account, ip: count, window_start, locked_until
  Stmt locked_limits;  // now, account, ip, limit ('' matches any): kLimitColumns
  Stmt clear_limits;   // account, ip, limit ('' matches any)
  Stmt prune_limits;   // before, now

  // the database as a whole
  Stmt ping;
  Stmt count_users_and_sessions;  // import only into an empty database
  Stmt all_users;
  Stmt all_sessions;
  Stmt all_secrets;
  Stmt all_events;
  Stmt all_clients;
  Stmt all_consents;

  // migrations (migration_runner.hpp)
  Stmt create_migrations_table;
  Stmt current_version;
  Stmt record_migration;  // version, description, applied_at
};

// Built on first use, once per style; thread-safe.
const Statements& statements(Placeholders style);

}  // namespace latchkey::store::sql
