#pragma once
// The persistence interface the auth service relies on. Implementations
// (SQLite now, PostgreSQL next) live in subfolders; nothing here names a
// database. Every call blocks: run them on the worker pool, never on an I/O
// thread. Every call is safe from any thread.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "util/batch_hooks.hpp"
#include "util/time.hpp"

namespace latchkey::store {

enum class StoreError {
  not_found,    // no such row (or not the caller's)
  conflict,     // a unique value is taken
  unavailable,  // the database cannot be reached or is busy: retry later
  failed,       // anything else: a bug or a damaged database
};

std::string_view describe(StoreError e);

template <class T>
using Result = tl::expected<T, StoreError>;

struct User {
  std::string id;  // stable, opaque: the JWT `sub`
  std::string username;       // as shown: trimmed, NFC
  std::string password_hash;  // argon2id PHC string
  UnixSeconds created_at = 0;
  std::string username_key;   // unique, what lookups use: NFC, case-folded
  std::optional<UnixSeconds> disabled_at = std::nullopt;  // set: the account may not log in
};

// A user with the number of its live sessions, for administration.
struct UserSummary {
  User user;
  std::int64_t live_sessions = 0;
};

// A page of users in username_key order, after `after` (exclusive).
struct UserQuery {
  std::string after;
  std::size_t limit = 100;
  UnixSeconds now = 0;         // sessions live at `now`...
  UnixSeconds idle_since = 0;  // ...and used since then are counted
};

struct Session {
  std::string id;
  std::string user_id;
  UnixSeconds created_at = 0;
  UnixSeconds last_used_at = 0;
  UnixSeconds expires_at = 0;  // absolute end; the idle limit is applied by the service
  std::optional<UnixSeconds> revoked_at;
  std::string user_agent;
  std::string ip;
  // Refresh rotation state: the digest of the current refresh token, of the
  // one it replaced, how many rotations happened and when the last one did.
  std::string refresh_hash;
  std::string prev_refresh_hash;
  std::int64_t generation = 0;
  std::optional<UnixSeconds> rotated_at;
  std::int64_t created_seq = 0;  // microseconds at creation: orders logins within one second
  std::string end_reason;        // set once revoked (see EndReason)
};

// Why a session ended, kept with it for the audit trail.
enum class EndReason {
  logout, logout_all, logout_others, password_change, reuse_detected, session_limit,
  revoked,  // through the RFC 7009 revocation endpoint
  admin,           // ended by an administrator (CLI or admin API)
  user_disabled,   // the account was disabled
  user_deleted,    // the account was deleted
  password_reset,  // an administrator set a new password
};

std::string_view reason_name(EndReason r);

// One session's rotation: from generation `from` (whose token digest is
// `old_hash`) to from + 1 with `new_hash`.
struct Rotation {
  std::string_view session_id;
  std::int64_t from = 0;
  std::string_view old_hash;
  std::string_view new_hash;
  UnixSeconds now = 0;
};

struct Usage {
  std::string session_id;
  UnixSeconds used_at = 0;
};


struct RevokedSession {
  std::string id;
  UnixSeconds revoked_at = 0;
};

struct StoredKey {
  std::string kid;
  std::string alg;
  std::string material;  // encoded key bytes; secret
  UnixSeconds created_at = 0;
  UnixSeconds not_before = 0;             // signs from then on (published before)
  std::optional<UnixSeconds> retired_at;  // stops signing then; verifies a while longer
};

struct Secret {
  std::string name;
  std::string value;
  UnixSeconds created_at = 0;
};

// One entry of the audit trail. Never holds a password or a token.
struct AuditEvent {
  std::string id;
  UnixSeconds at = 0;
  std::int64_t seq = 0;    // microseconds: orders events within one second
  std::string event;       // "login", "login_failed", "admin.user_disabled", ...
  std::string actor;       // "user", "cli", "admin-api", "system"
  std::string user_id;     // empty when unknown (a failed login of an unknown name)
  std::string username;    // as shown; the attempted name for unknown users
  std::string username_key;  // what identifies the account (lookups)
  std::string session_id;
  std::string ip;
  std::string user_agent;
  std::string detail;      // a JSON object, e.g. {"reason":"bad_credentials"}
};

// Newest first; only events of `username_key` when given; at most `limit`,
// before (at, seq) of `before` when given (paging).
struct AuditQuery {
  std::optional<std::string> username_key;
  std::size_t limit = 100;
  std::optional<std::pair<UnixSeconds, std::int64_t>> before;
};

// Everything a deployment holds, for moving it from one store to another.
struct Snapshot {
  std::vector<User> users;
  std::vector<Session> sessions;
  std::vector<StoredKey> keys;
  std::vector<Secret> secrets;
  std::vector<AuditEvent> audit;
};

class Store {
 public:
  virtual ~Store() = default;

  // conflict when the username (its key) is taken.
  virtual Result<void> create_user(const User& user) = 0;
  virtual Result<User> find_user_by_name(std::string_view username_key) = 0;
  virtual Result<User> find_user_by_id(std::string_view id) = 0;
  virtual Result<void> set_password_hash(std::string_view user_id, std::string_view hash) = 0;

  // `session.refresh_hash` is the digest of the session's first refresh
  // token; tokens themselves are never stored. not_found when the user is
  // gone or disabled (checked atomically with the insert).
  virtual Result<void> create_session(const Session& session) = 0;
  virtual Result<Session> find_session(std::string_view session_id) = 0;
  // The session and its account in one read (a refresh needs both); `user`
  // is empty when the account is gone. not_found when the session is.
  struct SessionAndUser {
    Session session;
    std::optional<User> user;
  };
  virtual Result<SessionAndUser> find_session_and_user(std::string_view session_id) = 0;
  // Compare-and-set: advances the session only if it is still at generation
  // `r.from` and not revoked. false (not an error) when another request won.
  virtual Result<bool> rotate_refresh(const Rotation& r) = 0;
  // Records use times (never moving last_used_at backwards).
  virtual Result<void> touch_sessions(std::span<const Usage> used) = 0;
  // Ends one live session of this user; not_found when it is not theirs or
  // already ended.
  virtual Result<void> revoke_session(std::string_view session_id, std::string_view user_id,
                                      UnixSeconds now, EndReason reason) = 0;
  // Ends every live session of the user but `keep` (if given); returns their ids.
  virtual Result<std::vector<std::string>> revoke_user_sessions(
      std::string_view user_id, std::optional<std::string_view> keep, UnixSeconds now,
      EndReason reason) = 0;
  // Sessions not revoked, not past expires_at at `now` and used at or after
  // `idle_since`, newest first.
  virtual Result<std::vector<Session>> list_live_sessions(std::string_view user_id, UnixSeconds now,
                                                          UnixSeconds idle_since) = 0;
  // Sessions revoked at or after `since`: to rebuild the in-memory revocation set.
  virtual Result<std::vector<RevokedSession>> list_revoked_since(UnixSeconds since) = 0;

  // A named server secret, created with `value` if absent; returns the one
  // that is kept (which may have been created by another process).
  virtual Result<std::string> ensure_secret(std::string_view name, std::string_view value,
                                            UnixSeconds now) = 0;

  virtual Result<std::vector<StoredKey>> list_keys() = 0;
  // conflict when the kid exists.
  virtual Result<void> add_key(const StoredKey& key) = 0;
  // Adds `key` and retires every key not yet retired at key.not_before, in
  // one transaction.
  virtual Result<void> rotate_key(const StoredKey& key) = 0;
  // Makes `key` the signer at `now` (as rotate_key) unless the key that signs
  // at `now` already has key.alg; serialised across processes, so instances
  // starting together on an empty database agree on one key. Returns whether
  // `key` was added.
  virtual Result<bool> install_signer(const StoredKey& key, UnixSeconds now) = 0;

  // Revocations made by other processes sharing this database: `on_revoked`
  // as each becomes known, `on_resync` when some may have been missed (the
  // caller then reloads them with list_revoked_since). Callbacks run on a
  // thread of the store's. Call once, before serving.
  using RevokedCallback = std::function<void(const RevokedSession&)>;
  virtual void watch_revocations(RevokedCallback on_revoked, std::function<void()> on_resync) = 0;
  // Stops watching; idempotent.
  virtual void stop_watching() = 0;

  // For a store with a single writer: hooks to run many calls from one
  // thread as one unit (see util/batch_lane.hpp); the server then sends all
  // its database work through one such thread. Null: calls may come from any
  // number of threads at once, each a unit of its own.
  virtual BatchHooks* batching() { return nullptr; }
  // Runs `f` once the writes this call has made so far are committed (true)
  // or undone (false): for effects outside the database (a revocation held in
  // memory) that must not outlive a write that failed. Outside a batch that
  // is at once, with true: there each write commits before it returns.
  virtual void after_commit(std::function<void(bool committed)> f) { f(true); }

  // Readiness: one cheap query that reads the database.
  virtual Result<void> ping() = 0;
  // How many sessions are live (as list_live_sessions counts them), over all users.
  virtual Result<std::int64_t> count_live_sessions(UnixSeconds now, UnixSeconds idle_since) = 0;

  // The whole content, and its import into an empty store (one transaction).
  virtual Result<Snapshot> export_all() = 0;
  virtual Result<void> import_all(const Snapshot& snapshot) = 0;

  // --- administration ------------------------------------------------------

  virtual Result<std::vector<UserSummary>> list_users(const UserQuery& query) = 0;
  // Sets disabled_at and ends every live session of the user, in one
  // transaction (announced like any revocation); returns the ended ids.
  // not_found for an unknown user. Disabling a disabled user keeps the first time.
  virtual Result<std::vector<std::string>> disable_user(std::string_view user_id, UnixSeconds now) = 0;
  // Clears disabled_at; not_found for an unknown user.
  virtual Result<void> enable_user(std::string_view user_id) = 0;
  // Ends every session of the user and removes it with its sessions, in one
  // transaction; returns the ended ids. The revocations of its sessions
  // revoked at or after `keep_revocations_since` stay visible to
  // list_revoked_since (access tokens outlive their session's row).
  virtual Result<std::vector<std::string>> delete_user(std::string_view user_id, UnixSeconds now,
                                                       UnixSeconds keep_revocations_since) = 0;

  // Appends events in one transaction; ids are the caller's.
  virtual Result<void> append_audit(const std::vector<AuditEvent>& events) = 0;
  virtual Result<std::vector<AuditEvent>> list_audit(const AuditQuery& query) = 0;
  // Removes audit events older than `audit_before`, at most `max_events` of
  // them, and kept revocations of deleted users older than
  // `revocations_before`; returns the events removed. While it returns
  // `max_events` there may be more: call again, in another transaction, so
  // that one call never holds the database for long.
  virtual Result<std::size_t> prune(UnixSeconds audit_before, UnixSeconds revocations_before,
                                    std::size_t max_events) = 0;
};

}  // namespace latchkey::store
