#pragma once
// The persistence interface the auth service relies on. Implementations
// (SQLite now, PostgreSQL next) live in subfolders; nothing here names a
// database. Every call blocks: run them on the worker pool, never on an I/O
// thread. Every call is safe from any thread.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

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

// Everything a deployment holds, for moving it from one store to another.
struct Snapshot {
  std::vector<User> users;
  std::vector<Session> sessions;
  std::vector<StoredKey> keys;
  std::vector<Secret> secrets;
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
  // token; tokens themselves are never stored.
  virtual Result<void> create_session(const Session& session) = 0;
  virtual Result<Session> find_session(std::string_view session_id) = 0;
  // Compare-and-set: advances the session only if it is still at generation
  // `r.from` and not revoked. false (not an error) when another request won.
  virtual Result<bool> rotate_refresh(const Rotation& r) = 0;
  // Records use times (never moving last_used_at backwards).
  virtual Result<void> touch_sessions(const std::vector<Usage>& used) = 0;
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

  // Readiness: one cheap query that reads the database.
  virtual Result<void> ping() = 0;
  // How many sessions are live (as list_live_sessions counts them), over all users.
  virtual Result<std::int64_t> count_live_sessions(UnixSeconds now, UnixSeconds idle_since) = 0;

  // The whole content, and its import into an empty store (one transaction).
  virtual Result<Snapshot> export_all() = 0;
  virtual Result<void> import_all(const Snapshot& snapshot) = 0;
};

}  // namespace latchkey::store
