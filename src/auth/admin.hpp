#pragma once
// Administration of users and sessions: what `latchkey user|sessions|audit`
// and the /admin/ HTTP API do, in one place. Every change is written to the
// audit trail at once (actor "cli" or "admin-api"). Sessions it ends are
// revoked in the database, where running servers see them (NOTIFY on
// PostgreSQL, polling on SQLite), and handed to `on_revoked` for the
// process it runs in. Every method is blocking (argon2id, store).
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abuse/limiter.hpp"
#include "auth/audit_log.hpp"
#include "auth/errors.hpp"
#include "auth/key_bootstrap.hpp"
#include "auth/new_account.hpp"
#include "auth/password_policy.hpp"
#include "auth/sessions.hpp"
#include "crypto/password.hpp"
#include "store/store.hpp"
#include "util/time.hpp"

namespace latchkey::auth {

struct AdminOptions {
  PasswordPolicy password;
  crypto::PasswordParams hashing;
  std::size_t max_username_chars = 64;
  UnixSeconds idle_ttl = 7 * 86400;
  UnixSeconds access_ttl = 15 * 60;  // with leeway: how long an ended session's access tokens live
  UnixSeconds leeway = 30;
};

// Who acts: "cli" or "admin-api", and for the API where the call came from.
struct Actor {
  std::string_view name = "cli";
  std::string_view ip = {};
  std::string_view user_agent = {};
};

class Admin {
 public:
  // Sessions ended by this process, and when.
  using RevokedHook = std::function<void(const std::vector<std::string>&, UnixSeconds)>;

  Admin(store::Store& store, AdminOptions options, AuditLog& audit, Clock clock, RevokedHook on_revoked = {});

  const AdminOptions& options() const { return options_; }
  // Where its changes are written; other administration (OAuth clients) writes there too.
  AuditLog& audit_log() const { return audit_; }

  // Sign-up's own path and rules (auth/new_account.hpp). prepare_user then
  // store_user.
  // `email`: normalised, "" for none; `verified`: the administrator vouches for it.
  Expected<store::UserSummary> add_user(std::string_view username, std::string_view password, const Actor& actor,
                                        std::string_view email = {}, bool verified = false);
  // Hashing phase of add_user: checks the rules and hashes; writes nothing.
  // Blocking (argon2id).
  Expected<NewAccount> prepare_user(std::string_view username, std::string_view password) const;
  // Store phase of add_user. Blocking (Store); no hashing.
  Expected<store::UserSummary> store_user(NewAccount account, const Actor& actor);
  // In username order, after `after` (a username, exclusive).
  Expected<std::vector<store::UserSummary>> list_users(std::string_view after, std::size_t limit);
  Expected<store::UserSummary> show_user(std::string_view username);
  // Disabling ends every session of the user (ASVS 7.4.2); returns how many.
  Expected<std::size_t> disable_user(std::string_view username, const Actor& actor);
  Expected<void> enable_user(std::string_view username, const Actor& actor);
  // Ends the user's sessions and removes the user; the audit trail is kept.
  Expected<std::size_t> delete_user(std::string_view username, const Actor& actor);
  // Sets a new password and ends every session of the user; returns how many.
  // prepare_password then store_password.
  Expected<std::size_t> set_password(std::string_view username, std::string_view password, const Actor& actor);
  struct NewPassword {
    store::User user;
    std::string hash;
  };
  // Hashing phase of set_password: reads the user, checks the policy and
  // hashes; writes nothing. Blocking (argon2id).
  Expected<NewPassword> prepare_password(std::string_view username, std::string_view password);
  // Store phase of set_password. Blocking (Store); no hashing.
  Expected<std::size_t> store_password(NewPassword change, const Actor& actor);

  // The user's second factors, and their removal (a lost phone, with the
  // recovery codes gone too): recorded as "mfa_reset"; how many went (the
  // authenticator counts one, the recovery codes one).
  Expected<store::FactorSummary> factors(std::string_view username);
  Expected<std::int64_t> reset_factors(std::string_view username, const Actor& actor);

  Expected<std::vector<SessionInfo>> sessions(std::string_view username);
  Expected<void> revoke_session(std::string_view username, std::string_view session_id, const Actor& actor);
  Expected<std::size_t> revoke_sessions(std::string_view username, const Actor& actor);

  // Newest first; one user's (by name, also after the user is deleted) or everyone's.
  Expected<std::vector<store::AuditEvent>> audit(std::optional<std::string_view> username, std::size_t limit,
                                                 std::optional<std::pair<UnixSeconds, std::int64_t>> before = {});

  // The abuse limits' locks (abuse/limits.hpp) on an account (by username,
  // every IP), on an IP (every account), on both, or all when both are
  // empty. username_invalid / ip_invalid for a malformed one.
  Expected<std::vector<store::LimitRow>> locks(std::string_view username, std::string_view ip);
  // Removes the counters of an account, an IP or the pair (at least one),
  // so their locks end at once; recorded as "unlocked". Returns how many.
  Expected<std::size_t> clear_locks(std::string_view username, std::string_view ip, const Actor& actor);
  // In a running server, the limiter whose memory must forget them too
  // (else the store alone: the CLI).
  void use_limits(abuse::Limiter* limits) { limits_ = limits; }

  // The mail outbox, newest first (never a message's detail: it may hold a link).
  Expected<std::vector<store::OutboxMail>> mail(std::size_t limit);
  // A message given up goes again now; false when no message given up has this id.
  Expected<bool> retry_mail(std::int64_t id, const Actor& actor);

  // The stored signing keys, newest first.
  Expected<std::vector<store::StoredKey>> keys();
  // Adds a key of `alg` that signs after `publish_delay` (see
  // rotate_signing_key) and records it. unavailable when it could not be stored.
  Expected<store::StoredKey> rotate_key(token::Alg alg, UnixSeconds publish_delay, const Actor& actor);
  // Records a key rotation done through `latchkey keys rotate` or the API.
  void key_rotated(const store::StoredKey& key, const Actor& actor);

 private:
  Expected<store::User> find(std::string_view username);
  void record(std::string_view event, const store::User& user, const Actor& actor, std::string detail = {},
              std::string_view session_id = {});
  void revoked(const std::vector<std::string>& ids, UnixSeconds at);

  store::Store& store_;
  AdminOptions options_;
  AccountRules rules_;
  AuditLog& audit_;
  Clock clock_;
  RevokedHook on_revoked_;
  abuse::Limiter* limits_ = nullptr;
};

}  // namespace latchkey::auth
