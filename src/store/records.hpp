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
  // Normalised (mail/address.hpp: the domain lower-cased, the local part
  // kept); "" for none. Unique among the verified ones.
  std::string email = {};
  bool email_verified = false;
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
  // What opened the session (SessionKind): "api" (/login; the seed's
  // sessions), "browser" (the hosted login page, held by a cookie) or
  // "oauth" (an OAuth client's tokens, from the token endpoint).
  std::string kind = "api";
  std::string client_id;    // oauth: the client holding the tokens
  std::string parent_id;    // oauth: the browser session it came from ("" for none); ends with it
  std::string cookie_hash;  // browser: digest of the cookie's random handle (unique); else ""
  UnixSeconds auth_time = 0;  // when the person last entered a credential (0: created_at)
  std::string amr = "pwd";    // how (RFC 8176 values, space-separated)
  std::string scope;          // oauth: the scopes granted, space-separated
};

// The kinds of session, as stored in Session::kind.
inline constexpr std::string_view kApiSession = "api";
inline constexpr std::string_view kBrowserSession = "browser";
inline constexpr std::string_view kOAuthSession = "oauth";

// Why a session ended, kept with it for the audit trail.
enum class EndReason {
  logout, logout_all, logout_others, password_change, reuse_detected, session_limit,
  revoked,  // through the RFC 7009 revocation endpoint
  admin,           // ended by an administrator (CLI or admin API)
  user_disabled,   // the account was disabled
  user_deleted,    // the account was deleted
  password_reset,  // an administrator set a new password
  parent_ended,    // its browser session ended (single sign-on logout): "sso_logout"
  code_replayed,   // the authorization code that opened it was used again (RFC 6749 4.1.2)
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

// A one-time authorization code (RFC 6749 4.1.2), bound to everything the
// token request must repeat. Only the code's digest is kept.
struct AuthorizationCode {
  std::string code_hash;  // the key: the code's time prefix and its SHA-256 (oidc/code_key.hpp)
  std::string client_id;
  std::string user_id;
  std::string browser_session_id;  // the session it was issued in
  std::string redirect_uri;
  std::string scope;               // granted, space-separated
  std::string nonce;
  std::string code_challenge;      // PKCE S256; "" when none was sent
  UnixSeconds auth_time = 0;
  std::string amr;
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;
  std::optional<UnixSeconds> used_at;  // set by the first redemption
  std::string issued_session_id;       // the oauth session the first redemption opened
};

// What a user let a client do (scopes, space-separated and sorted).
struct Consent {
  std::string user_id;
  std::string client_id;
  std::string scope;
  UnixSeconds granted_at = 0;
};

// A back-channel logout token to deliver (OpenID Connect Back-Channel
// Logout 1.0): queued in the transaction that ends the browser session.
struct LogoutDelivery {
  std::int64_t id = 0;
  std::string client_id;
  std::string logout_uri;
  std::string user_id;      // the logout token's sub
  std::string session_id;   // the browser session (the logout token's sid)
  UnixSeconds created_at = 0;
  std::int64_t attempts = 0;
  UnixSeconds next_attempt_at = 0;
  std::string last_error;                 // never a token
  std::optional<UnixSeconds> delivered_at;
  std::optional<UnixSeconds> gave_up_at;
};

// A user's TOTP authenticator (mfa/totp.hpp). The secret is sealed with
// the data encryption key (crypto/aead.hpp), never stored in clear.
struct TotpFactor {
  std::string user_id;
  std::string sealed_secret;
  UnixSeconds created_at = 0;
  std::optional<UnixSeconds> confirmed_at;  // unset: enrolled, not yet confirmed by a code
  std::int64_t last_step = 0;  // the last time step accepted: a step not greater is refused
};

// A passkey (WebAuthn credential) of a user: its public key, never a secret.
struct Passkey {
  std::string credential_id;  // base64url of the authenticator's credential id
  std::string user_id;
  std::string name;           // the person's label, e.g. "MacBook"
  std::int64_t alg = -7;      // COSE algorithm: -7 ES256, -8 EdDSA, -257 RS256
  std::string public_key;     // base64url of the DER SubjectPublicKeyInfo
  std::int64_t sign_count = 0;
  std::string aaguid;         // base64url; all zero for most passkeys
  bool backup_eligible = false;  // a synced passkey
  UnixSeconds created_at = 0;
  std::optional<UnixSeconds> last_used_at;
};

// A WebAuthn challenge this server issued: single use, short-lived.
struct WebauthnChallenge {
  std::string challenge_hash;  // SHA-256 of the challenge, base64url
  std::string purpose;         // "register", "login" (a passkey alone) or "second_factor"
  std::string user_id;         // "" for a passkey sign-in, where the passkey names the user
  std::string binding;         // what else it is bound to (an mfa_token's digest, a page)
  UnixSeconds expires_at = 0;
};

// Which second factors a user has (FactorStore::summary).
struct FactorSummary {
  bool totp = false;          // a confirmed authenticator
  bool totp_pending = false;  // set up, not yet confirmed by a code
  std::int64_t recovery_codes = 0;  // unused ones left
  std::int64_t passkeys = 0;
};

// The second step of a sign-in: issued when a password was right for a user
// with a second factor, redeemed once with a code (mfa/challenges.hpp).
struct MfaChallenge {
  std::string token_hash;  // SHA-256 of the mfa_token, base64url
  std::string user_id;
  std::string binding;     // digest of what it is bound to (the caller's user agent, the client)
  std::string amr;         // how the first step authenticated, space-separated ("pwd")
  UnixSeconds auth_time = 0;  // when the first step's credential was entered
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;
  std::int64_t failures = 0;  // wrong codes so far
  std::optional<UnixSeconds> used_at;
};

// What an email token proves, as stored in EmailToken::purpose.
inline constexpr std::string_view kVerifyEmail = "verify_email";      // the user controls `address`
inline constexpr std::string_view kResetPassword = "reset_password";  // the user may set a new password

// A single-use link token sent by mail (mail/links.hpp), stored by the
// digest of the token only, bound to a user, a purpose and an address.
struct EmailToken {
  std::string token_hash;  // SHA-256 of the token, base64url
  std::string user_id;
  std::string purpose;     // kVerifyEmail, kResetPassword
  std::string address;     // where it was sent (the address it verifies)
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;
  std::optional<UnixSeconds> used_at;
};

// One message in the durable outbox (store/mail_store.hpp). Its body is
// rendered when it is sent, from its kind and detail (mail/templates.hpp).
struct OutboxMail {
  std::int64_t id = 0;
  std::string message_key;  // random, set by the database: the stable Message-ID across retries
  std::string kind;         // mail/kinds.hpp: verify_email, reset_password, new_device...
  std::string user_id;      // "" for none
  std::string recipient;    // a normalised address
  // A JSON object: what the template fills in (a username, a device, a
  // link). A link holds a token: the detail is emptied ("{}") once sent.
  std::string detail = "{}";
  UnixSeconds created_at = 0;
  std::int64_t attempts = 0;
  UnixSeconds next_attempt_at = 0;
  std::string last_error;  // never a token nor a body
  std::optional<UnixSeconds> sent_at;
  std::optional<UnixSeconds> gave_up_at;
};

// Everything a deployment holds, for moving it from one store to another.
struct Snapshot {
  std::vector<User> users;
  std::vector<Session> sessions;
  std::vector<StoredKey> keys;
  std::vector<Secret> secrets;
  std::vector<AuditEvent> audit;
  std::vector<OAuthClient> clients;
  std::vector<Consent> consents;
};

}  // namespace latchkey::store
