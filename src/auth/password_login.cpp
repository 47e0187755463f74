#include "auth/password_login.hpp"

#include <stdexcept>

#include "auth/username.hpp"
#include "crypto/password.hpp"
#include "crypto/random.hpp"
#include "mail/address.hpp"
#include "util/log.hpp"

namespace latchkey::auth {

PasswordLogin::PasswordLogin(const Context& ctx, Sessions& sessions)
    : ctx_(ctx), sessions_(sessions) {
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
                                                    const Client& client, UnixSeconds* retry_after) {
  if (username.empty() || password.empty()) return tl::unexpected(AuthError::credentials_required);
  const Options& o = ctx_.options;
  // Over-long input cannot match a stored password: refuse it like a wrong
  // one, after the same work, without hashing megabytes.
  const bool oversized = password.size() > o.max_password_bytes || username.size() > 4 * o.max_username_chars;
  auto name = oversized ? std::nullopt : normalize_username(username, o.max_username_chars);
  // Limited per account name, whether or not the account exists.
  const std::string account = name ? name->key : std::string(username.substr(0, 256));
  const std::string_view attempted = name ? std::string_view(name->display) : username;
  using abuse::Limit;
  const abuse::Key bumps[] = {abuse::per_ip(Limit::flood, client.ip)};
  const abuse::Key reads[] = {abuse::per_ip(Limit::login_ip, client.ip),
                              abuse::per_account_and_ip(Limit::login_pair, account, client.ip),
                              abuse::per_account(Limit::login_account, account)};
  const auto gate = ctx_.limits.admit(bumps, reads, ctx_.clock());
  if (!gate.verdict || gate.locked[0]) {
    const abuse::Limit by = gate.verdict ? Limit::login_ip : gate.verdict.limit;
    ctx_.limits.count_refusal(by);
    ++ctx_.counters.login_rate_limited;
    log::info("auth.login_rate_limited", {{"limit", abuse::name_of(by)}});
    if (retry_after) *retry_after = gate.verdict ? gate.retry_after[0] : gate.verdict.retry_after;
    return tl::unexpected(AuthError::rate_limited);
  }
  if (gate.locked[1] || gate.locked[2]) {
    // Locked looks exactly like a wrong password, in body and in time.
    crypto::verify_password(dummy_hash_, password.substr(0, o.max_password_bytes));
    ctx_.limits.count_refusal(gate.locked[1] ? Limit::login_pair : Limit::login_account);
    // Locked for this IP: nothing counts again. Locked from everywhere: the
    // IP tried a locked account, which its budget counts.
    if (!gate.locked[1]) ctx_.limits.record(std::span(reads, 1), ctx_.clock());
    return refuse("locked", nullptr, attempted, client);
  }
  store::Result<store::User> user = tl::unexpected(store::StoreError::not_found);
  // LOGIN_WITH_EMAIL: what reads as an address is first the account that
  // verified it (a username spelled like someone's address must not take
  // their sign-in), then a username. Only a verified address names an
  // account: an unverified one could be anybody's claim.
  if (o.login_with_email && !oversized && username.find('@') != std::string_view::npos) {
    if (auto address = mail::normalise_address(username)) user = ctx_.store.users().find_by_email(*address);
  }
  if (!user && user.error() == store::StoreError::not_found && name) user = ctx_.store.users().find_by_name(name->key);
  if (!user && user.error() != store::StoreError::not_found) return store_failure(user);
  bool right = false;
  if (user) right = crypto::verify_password(user->password_hash, password);
  else crypto::verify_password(dummy_hash_, password.substr(0, o.max_password_bytes));  // the same time
  if (!right) {
    ctx_.limits.record(reads, ctx_.clock());
    return refuse("bad_credentials", user ? &*user : nullptr, attempted, client);
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
  if (o.require_verified_email && !user->email_verified) {
    // Said only to someone who knows the password, as a disabled account is.
    log::info("auth.login_refused", {{"reason", "email_unverified"}, {"user_id", std::string_view(user->id)}});
    ctx_.record({.event = "login_failed", .user_id = user->id, .username = user->username,
                 .detail = audit_detail({{"reason", "email_unverified"}})},
                client);
    if (unverified_email_ && !user->email.empty()) unverified_email_(*user, client);
    return tl::unexpected(AuthError::email_unverified);
  }
  // A success clears this device's failures (one more round trip, only
  // after failures).
  if (gate.counts[1] > 0) ctx_.limits.forget(reads[1]);
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

Expected<TokenPair> PasswordLogin::complete_login(VerifiedLogin login, const Client& client, const SessionSpec& spec) {
  // Only verify_login makes a non-empty one: an empty one is a bug upstream.
  if (login.empty()) return tl::unexpected(AuthError::internal);
  const store::User& user = login.user_;
  // Failure only postpones the upgrade to the next login.
  if (login.upgraded_hash_) (void)ctx_.store.users().set_password_hash(user.id, *login.upgraded_hash_);
  auto pair = sessions_.open(user, client, spec);
  if (!pair) return pair;
  ++ctx_.counters.login_succeeded;  // once the session exists: a failed write is no success
  log::info("auth.login", {{"user_id", std::string_view(user.id)}, {"session_id", std::string_view(pair->session_id)}});
  ctx_.record({.event = "login", .user_id = user.id, .username = user.username, .session_id = pair->session_id},
              client);
  return pair;
}

}  // namespace latchkey::auth
