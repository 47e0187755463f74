#pragma once
// The authentication service: sign-up, login, refresh with rotation, logout,
// password change and session listing, in terms of users and sessions. It
// knows nothing of HTTP or SQL.
//
// Methods marked "blocking" hash passwords or call the Store: the caller runs
// them on the worker pool. authenticate() only verifies a signature and
// reads in-memory state: safe on an I/O thread.
//
// Sign-up, login and password change also come in two phases, so that the
// threads that hash never wait for a database write (on SQLite each write
// waits for a shared fdatasync, ~4 ms against a 13 ms hash): a hashing phase
// (prepare_signup, verify_login, verify_password_change) that does every
// argon2id computation and only reads the Store, and a store phase
// (complete_signup, complete_login, complete_password_change) that writes
// and hashes nothing. signup(), login() and change_password() run both in turn.
#include <atomic>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/audit_log.hpp"
#include "auth/errors.hpp"
#include "auth/refresh_chain.hpp"
#include "auth/replay_cache.hpp"
#include "auth/login_throttle.hpp"
#include "auth/revocation_set.hpp"
#include "auth/usage_tracker.hpp"
#include "auth/username.hpp"
#include "crypto/password.hpp"
#include "store/store.hpp"
#include "token/jwt.hpp"
#include "token/verified_cache.hpp"
#include "util/time.hpp"

namespace latchkey::auth {

struct Options {
  UnixSeconds access_ttl = 15 * 60;
  UnixSeconds refresh_ttl = 30 * 86400;  // absolute session lifetime
  UnixSeconds idle_ttl = 7 * 86400;      // a session unused this long ends
  UnixSeconds reuse_grace = 10;          // a spent refresh token is replayed, not punished, this long
  bool rotate_refresh_tokens = true;
  std::size_t max_sessions_per_user = 0;  // 0: no cap
  UnixSeconds leeway = 30;                // clock skew allowed on token times
  std::string issuer;
  std::string audience = "latchkey";
  crypto::PasswordParams password;
  std::size_t min_password_chars = 8;
  std::size_t max_password_bytes = 1024;
  std::size_t max_username_chars = 64;
  ThrottlePolicy throttle;
  // Verified access tokens kept (token/verified_cache.hpp); 0 turns it off.
  std::size_t token_cache_size = 65536;
};

// Where a request came from, recorded on the session it creates.
struct Client {
  std::string_view user_agent;
  std::string_view ip;
};

// The bearer of a valid access token. The views stay valid as long as the
// Principal (or a copy) lives: they point into `token` when it is set, and
// otherwise into strings the caller keeps alive.
struct Principal {
  std::string_view user_id;
  std::string_view username;
  std::string_view session_id;
  std::shared_ptr<const token::VerifiedToken> token;
};

struct TokenPair {
  std::string access_token;
  std::string refresh_token;
  std::string session_id;
  UnixSeconds expires_in = 0;  // access token lifetime, seconds
};

// A refresh token of the right shape, with the digests and the next token of
// its chain computed up front (Service::prepare_refresh), so that the store
// phase does no hashing.
struct RefreshRequest {
  std::string token;
  std::string session_id;
  std::int64_t generation = 0;
  std::string digest;       // of `token`, as kept in the database
  std::string next;         // the chain's next token (rotation on), else empty
  std::string next_digest;  // its digest
};

// What the store phase of a refresh decided; the access token is signed
// after it (Service::issue_refresh), off the database lane.
struct RefreshGrant {
  store::User user;
  std::string refresh_token;  // handed out
  std::string replay_key;     // its digest: the replay cache's key; empty without rotation
  UnixSeconds iat = 0;
};

// What the hashing phase of a login hands to its store phase: an account
// whose password was just verified, enabled when it was read. Only the
// Service fills one in, so holding a non-empty one means the password was
// right. A default-constructed one is empty and the store phase refuses it
// (it exists because the worker pool needs default-constructible results).
class VerifiedLogin {
 public:
  VerifiedLogin() = default;
  bool empty() const { return user_.id.empty(); }
  const store::User& user() const { return user_; }
  // Set when the stored hash was made with weaker parameters than the
  // configured ones: its replacement, made from the password just verified.
  const std::optional<std::string>& upgraded_hash() const { return upgraded_hash_; }

 private:
  friend class Service;
  store::User user_;
  std::optional<std::string> upgraded_hash_;
};

// What the hashing phase of a sign-up hands to its store phase: a name and a
// password that passed the policy, the password hashed. Empty when
// default-constructed, and then refused.
class NewAccount {
 public:
  NewAccount() = default;
  bool empty() const { return name_.key.empty(); }
  const Username& name() const { return name_; }
  const std::string& password_hash() const { return password_hash_; }

 private:
  friend class Service;
  Username name_;
  std::string password_hash_;
};

// What the hashing phase of a password change hands to its store phase: the
// caller's account (current password verified), the session it keeps and the
// new password's hash. Empty when default-constructed, and then refused.
class VerifiedPasswordChange {
 public:
  VerifiedPasswordChange() = default;
  bool empty() const { return user_.id.empty(); }
  const store::User& user() const { return user_; }
  const std::string& session_id() const { return session_id_; }
  const std::string& new_hash() const { return new_hash_; }

 private:
  friend class Service;
  store::User user_;
  std::string session_id_;
  std::string new_hash_;
};

struct SessionInfo {
  store::Session session;
  UnixSeconds expires_at = 0;  // the earlier of the absolute and the idle end
  std::string device;          // "Firefox on Linux"
  bool current = false;
};

// What /logout names: a token (access or refresh) or a session id; neither
// means the caller's own session.
struct LogoutTarget {
  std::optional<std::string_view> token;
  std::optional<std::string_view> session_id;
};

// What RFC 7662 introspection tells about a token.
struct Introspection {
  bool active = false;
  std::string token_type;  // "access_token" or "refresh_token"
  std::string sub;
  std::string username;
  std::string sid;
  std::string jti;
  UnixSeconds iat = 0;
  UnixSeconds exp = 0;
};

// Event counts since start, for logs and metrics.
struct Counters {
  std::atomic<std::uint64_t> login_succeeded{0};
  std::atomic<std::uint64_t> login_bad_credentials{0};
  std::atomic<std::uint64_t> login_locked{0};
  std::atomic<std::uint64_t> login_rate_limited{0};  // refused by the per-IP bucket, before the service
  std::atomic<std::uint64_t> refresh_rotated{0};
  std::atomic<std::uint64_t> refresh_replayed{0};
  std::atomic<std::uint64_t> refresh_reuse_detected{0};
  std::atomic<std::uint64_t> refresh_not_rotated{0};  // REFRESH_ROTATION=off
};

class Service {
 public:
  // Blocking (computes a dummy hash for unknown-user logins). `refresh_secret`
  // keys the refresh-token chain (see refresh_chain.hpp).
  Service(store::Store& store, token::KeySet keys, std::string refresh_secret, Options options,
          Clock clock);

  // Blocking. Rebuilds the revocation set from the database: run at start.
  Expected<std::size_t> load_revocations();
  // A revocation made by another process. Non-blocking.
  void note_revoked(const store::RevokedSession& r);

  // The audit trail that records this service's events (none when unset).
  void set_audit(AuditLog* audit) { audit_ = audit; }

  // prepare_signup then complete_signup. Blocking.
  Expected<void> signup(std::string_view username, std::string_view password,
                        const Client& client = {});
  // Hashing phase of a sign-up: checks the name and the password against the
  // policy and hashes the password; writes nothing (a taken name shows in
  // the store phase). Blocking (argon2id).
  Expected<NewAccount> prepare_signup(std::string_view username, std::string_view password) const;
  // Store phase of a sign-up: creates the account (username_taken when the
  // name went meanwhile) and records the event. Blocking (Store); no hashing.
  Expected<void> complete_signup(NewAccount account, const Client& client = {});

  // verify_login then complete_login. Blocking.
  Expected<TokenPair> login(std::string_view username, std::string_view password,
                            const Client& client);
  // Hashing phase of a login: the throttle, the account (read), the password
  // check (the same argon2id work for unknown names and locked accounts), the
  // refusal of a disabled account to someone who knows its password, and the
  // upgraded hash when one is due. Every refusal is decided, counted, logged
  // and audited here; the Store is only read. Blocking (argon2id).
  Expected<VerifiedLogin> verify_login(std::string_view username, std::string_view password,
                                       const Client& client);
  // Store phase of a login: stores the upgraded hash if any, creates the
  // session (account_disabled when the account was disabled or deleted
  // since it was read), applies the session cap, records the event and
  // issues the token pair. Blocking (Store); no hashing.
  Expected<TokenPair> complete_login(VerifiedLogin login, const Client& client);
  // The next token pair of the refresh token's session (rotation), the same
  // pair again for a retry within the grace window, and the end of the
  // session for a token spent earlier. Blocking.
  // prepare_refresh, apply_refresh, then issue_refresh.
  Expected<TokenPair> refresh(std::string_view refresh_token, const Client& client = {});
  // First phase of a refresh: checks the token's shape and computes its
  // digests and successor. Non-blocking, any thread.
  Expected<RefreshRequest> prepare_refresh(std::string_view refresh_token) const;
  // Store phase: reads the session and its user, decides (rotation, replay
  // within the grace window, reuse: the session ends) and rotates with a
  // compare-and-set. Blocking (Store); signs nothing.
  Expected<RefreshGrant> apply_refresh(const RefreshRequest& request, const Client& client = {});
  // Last phase: signs the access token. A retry within the grace window, and
  // a request that lost the compare-and-set to another, get the access token
  // first issued for the same refresh token (replay cache). Non-blocking.
  TokenPair issue_refresh(RefreshGrant grant);
  // Ends one session of the caller; returns the id of the ended session. Blocking.
  Expected<std::string> logout(const Principal& caller, const LogoutTarget& target,
                               const Client& client = {});
  // Ends every session of the caller (keep_current: all but the caller's). Blocking.
  Expected<std::size_t> logout_all(const Principal& caller, bool keep_current, const Client& client = {});
  // Verifies the current password, sets the new one and ends the caller's
  // other sessions; returns how many ended. verify_password_change then
  // complete_password_change. Blocking.
  Expected<std::size_t> change_password(const Principal& caller, std::string_view current,
                                        std::string_view replacement, const Client& client = {});
  // Hashing phase of a password change: reads the caller's account, verifies
  // the current password (a wrong one is logged and audited here), checks the
  // new one against the policy and hashes it; writes nothing. Blocking (argon2id).
  Expected<VerifiedPasswordChange> verify_password_change(const Principal& caller, std::string_view current,
                                                          std::string_view replacement,
                                                          const Client& client = {});
  // Store phase of a password change: sets the new hash, ends the caller's
  // other sessions and records the event; returns how many ended. Blocking
  // (Store); no hashing.
  Expected<std::size_t> complete_password_change(VerifiedPasswordChange change, const Client& client = {});
  Expected<std::vector<SessionInfo>> list_sessions(const Principal& caller);  // blocking
  // Whether a token is live right now, checked against the database so that a
  // logout anywhere shows at once (RFC 7662). Blocking.
  Expected<Introspection> introspect(std::string_view token);
  // Ends the session of an access or refresh token; unknown tokens are not an
  // error (RFC 7009). Blocking.
  Expected<void> revoke_token(std::string_view token, const Client& client = {});
  // Writes pending last-use times. Blocking; run periodically.
  Expected<std::size_t> flush_usage();
  // The same in two steps, so that the writes can be split into short
  // database calls: the pending times (memory only; they are forgotten here),
  // then writing some of them (blocking).
  std::vector<store::Usage> take_usage();
  Expected<void> write_usage(std::span<const store::Usage> used);

  // Non-blocking.
  Expected<Principal> authenticate(std::string_view access_token);

  // The keys in force; swapped whole when keys rotate.
  std::shared_ptr<const token::KeySet> keys() const { return keys_.load(); }
  void set_keys(token::KeySet keys);
  const Options& options() const { return options_; }
  const Counters& counters() const { return counters_; }
  // A login the HTTP layer refused for its rate limit, counted with the others.
  void count_rate_limited_login() { counters_.login_rate_limited.fetch_add(1, std::memory_order_relaxed); }
  std::size_t revoked_count() const { return revoked_.size(); }
  std::size_t verified_cache_size() const { return verified_.size(); }

 private:
  Expected<void> check_new_password(std::string_view password, const Username& name) const;
  Expected<store::Session> session_of_token(const Principal& caller, std::string_view token);
  std::string issue_access_token(const store::User& user, std::string_view session_id,
                                 UnixSeconds iat, std::string jti) const;
  TokenPair pair_for(const store::User& user, std::string refresh_token, UnixSeconds iat) const;
  // Ends a session whose spent refresh token came back; always an error (token_reused).
  tl::unexpected<AuthError> end_reused_session(const store::Session& s, UnixSeconds now, const Client& client);
  void audit(AuditRecord r, const Client& client) const;
  void enforce_session_cap(const store::User& user, UnixSeconds now);
  void mark_revoked(std::string_view session_id, UnixSeconds now);
  void mark_revoked(const std::vector<std::string>& session_ids, UnixSeconds now);

  store::Store& store_;
  std::atomic<std::shared_ptr<const token::KeySet>> keys_;
  RefreshChain chain_;
  Options options_;
  Clock clock_;
  token::VerifyPolicy policy_;
  std::string dummy_hash_;
  RevocationSet revoked_;
  token::VerifiedCache verified_;
  ReplayCache replays_;
  LoginThrottle throttle_;
  UsageTracker usage_;
  Counters counters_;
  AuditLog* audit_ = nullptr;
};

}  // namespace latchkey::auth
