#include "auth/password_login.hpp"

#include <stdexcept>

#include "auth/username.hpp"
#include "crypto/password.hpp"
#include "crypto/random.hpp"
#include "util/log.hpp"

namespace latchkey::auth {

PasswordLogin::PasswordLogin(const Context& ctx, Sessions& sessions)
    : ctx_(ctx), sessions_(sessions), throttle_(ctx.options.throttle) {
  auto dummy = crypto::hash_password(crypto::random_token(24), ctx_.options.password);
  if (!dummy) throw std::runtime_error("cannot compute the reference password hash");
  dummy_hash_ = std::move(*dummy);
}

Expected<TokenPair> PasswordLogin::login(std::string_view username, std::string_view password,
                                         const Client& client) {
  auto verified = verify_login(username, password, client);
  if (!verified) return tl::unexpected(verified.error());
  return complete_login(std::move(*verified), client);
}

// Every refusal but a disabled account: the same answer, whatever the reason.
Expected<VerifiedLogin> PasswordLogin::refuse(std::string_view reason, const store::User* user,
                                              std::string_view attempted, const Client& client) {
  if (reason == "locked") ++ctx_.counters.login_locked;
  else ++ctx_.counters.login_bad_credentials;
  if (user) log::info("auth.login_failed", {{"reason", reason}, {"user_id", std::string_view(user->id)}});
  else log::info("auth.login_failed", {{"reason", reason}});
  // The attempted name, bounded, when the account is unknown; never the password.
  ctx_.record({.event = "login_failed",
               .user_id = user ? std::string_view(user->id) : std::string_view{},
               .username = user ? std::string_view{} : attempted,
               .detail = audit_detail({{"reason", reason}})},
              client);
  return tl::unexpected(AuthError::invalid_credentials);
}

Expected<VerifiedLogin> PasswordLogin::verify_login(std::string_view username, std::string_view password,
                                                    const Client& client) {
  if (username.empty() || password.empty()) return tl::unexpected(AuthError::credentials_required);
  const Options& o = ctx_.options;
  // Over-long input cannot match a stored password: refuse it like a wrong
  // one, after the same work, without hashing megabytes.
  const bool oversized = password.size() > o.max_password_bytes || username.size() > 4 * o.max_username_chars;
  auto name = oversized ? std::nullopt : normalize_username(username, o.max_username_chars);
  // Throttled per account name, whether or not the account exists.
  const std::string account = name ? name->key : std::string(username.substr(0, 256));
  const std::string_view attempted = name ? std::string_view(name->display) : username;
  const UnixSeconds started = ctx_.clock();
  if (throttle_.locked(account, client.ip, started)) {
    // Locked looks exactly like a wrong password, in body and in time.
    crypto::verify_password(dummy_hash_, password.substr(0, o.max_password_bytes));
    return refuse("locked", nullptr, attempted, client);
  }
  store::Result<store::User> user = tl::unexpected(store::StoreError::not_found);
  if (name) user = ctx_.store.users().find_by_name(name->key);
  if (!user) {
    if (user.error() != store::StoreError::not_found) return store_failure(user);
    crypto::verify_password(dummy_hash_, password.substr(0, o.max_password_bytes));
    throttle_.failure(account, client.ip, ctx_.clock());
    return refuse("bad_credentials", nullptr, attempted, client);
  }
  if (!crypto::verify_password(user->password_hash, password)) {
    throttle_.failure(account, client.ip, ctx_.clock());
    return refuse("bad_credentials", &*user, attempted, client);
  }
  if (user->disabled_at) {
    // Said only to someone who knows the password (as Keycloak does): a
    // wrong password gets invalid_credentials, whatever the account's state.
    log::info("auth.login_refused", {{"reason", "account_disabled"}, {"user_id", std::string_view(user->id)}});
    ctx_.record({.event = "login_failed", .user_id = user->id, .username = user->username,
                 .detail = audit_detail({{"reason", "account_disabled"}})},
                client);
    return tl::unexpected(AuthError::account_disabled);
  }
  throttle_.success(account, client.ip);
  ++ctx_.counters.login_succeeded;
  VerifiedLogin verified;
  if (crypto::needs_rehash(user->password_hash, o.password)) {
    // Parameters were raised since this hash was made: upgrade it now that
    // the password is at hand (stored by the store phase). Failure only
    // postpones the upgrade.
    if (auto h = crypto::hash_password(password, o.password)) verified.upgraded_hash_ = std::move(*h);
  }
  verified.user_ = std::move(*user);
  return verified;
}

Expected<TokenPair> PasswordLogin::complete_login(VerifiedLogin login, const Client& client) {
  // Only verify_login makes a non-empty one: an empty one is a bug upstream.
  if (login.empty()) return tl::unexpected(AuthError::internal);
  const store::User& user = login.user_;
  // Failure only postpones the upgrade to the next login.
  if (login.upgraded_hash_) (void)ctx_.store.users().set_password_hash(user.id, *login.upgraded_hash_);
  auto pair = sessions_.open(user, client);
  if (!pair) return pair;
  log::info("auth.login", {{"user_id", std::string_view(user.id)}, {"session_id", std::string_view(pair->session_id)}});
  ctx_.record({.event = "login", .user_id = user.id, .username = user.username, .session_id = pair->session_id},
              client);
  return pair;
}

}  // namespace latchkey::auth
