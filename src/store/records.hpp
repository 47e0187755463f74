#pragma once
// The rows the stores hold, as plain values shared by every aggregate and
// every backend. Never a password or a token in clear: digests and hashes only.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/time.hpp"

namespace latchkey::store {

struct User {
  std::string id;  // stable, opaque: the JWT `sub`
  std::string username;       // as shown: trimmed, NFC
  std::string password_hash;  // argon2id PHC string
  UnixSeconds created_at = 0;
  std::string username_key;   // unique, what lookups use: NFC, case-folded
  std::optional<UnixSeconds> disabled_at = std::nullopt;  // set: the account may not log in
};

// An OAuth client. Secrets are never stored, only their digests (empty: a
// public client, or no registration access token).
struct OAuthClient {
  std::string id;                   // client_id: random, public
  std::string secret_digest;        // SHA-256 of the client secret, base64url
  std::string registration_digest;  // SHA-256 of the registration access token (RFC 7592)
  std::string metadata;             // JSON object: oidc::ClientMetadata
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
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
  std::vector<OAuthClient> clients;
};

}  // namespace latchkey::store
