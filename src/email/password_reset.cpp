#include "email/password_reset.hpp"

#include "auth/password_policy.hpp"
#include "auth/username.hpp"
#include "crypto/password.hpp"
#include "email/links.hpp"
#include "mail/kinds.hpp"
#include "mfa/factor_status.hpp"
#include "util/log.hpp"

namespace latchkey::email {

using auth::AuthError;

namespace {

// What the second factor's challenge is bound to: this flow, not a sign-in.
constexpr std::string_view kBinding = "password_reset";

constexpr std::size_t kMaxToken = 128;

}  // namespace

void PasswordReset::request(std::string_view address, const auth::Client& client) {
  auto user = service_.store().users().find_by_email(address);
  if (!user) {
    if (user.error() != store::StoreError::not_found)
      log::warn("email.reset_request_failed", {{"error", store::describe(user.error())}});
    return;  // no account: no message, and nothing else to say
  }
  if (user->disabled_at) return;  // it could not sign in with the new password anyway
  const Link link{store::kResetPassword, mail::kResetPassword, "/reset-password", options_.reset_ttl};
  if (auto sent = send_link(service_.store(), options_, link, *user, address, service_.clock()()); !sent) {
    log::warn("email.reset_request_failed", {{"user_id", std::string_view(user->id)}});
    return;
  }
  log::info("email.reset_requested", {{"user_id", std::string_view(user->id)}});
  service_.context().record({.event = "password_reset_requested", .user_id = user->id, .username = user->username},
                            client);
}

auth::Expected<ResetTarget> PasswordReset::inspect(std::string_view token) {
  if (token.empty() || token.size() > kMaxToken) return tl::unexpected(AuthError::reset_token_invalid);
  auto t = service_.store().mail().find_token(token_digest(token), store::kResetPassword, service_.clock()());
  if (!t) {
    if (t.error() == store::StoreError::not_found) return tl::unexpected(AuthError::reset_token_invalid);
    return auth::store_failure(t);
  }
  auto user = service_.store().users().find_by_id(t->user_id);
  if (!user) {
    if (user.error() == store::StoreError::not_found) return tl::unexpected(AuthError::reset_token_invalid);
    return auth::store_failure(user);
  }
  auto factors = service_.store().factors().summary(user->id);
  if (!factors) return auth::store_failure(factors);
  ResetTarget target{std::move(*user), {}};
  // As the sign-in step asks (mfa/factor_status.hpp): only when a factor is
  // required, and then by code (a passkey-only account needs a recovery code).
  mfa::FactorStatus status;
  static_cast<store::FactorSummary&>(status) = *factors;
  if (status.required()) {
    if (status.totp) target.methods.emplace_back("totp");
    target.methods.emplace_back("recovery_code");
  }
  return target;
}

auth::Expected<PreparedReset> PasswordReset::prepare(std::string_view token, std::string_view new_password) {
  auto target = inspect(token);
  if (!target) return tl::unexpected(target.error());
  if (new_password.empty()) return tl::unexpected(AuthError::passwords_required);
  const auth::AccountRules& rules = service_.accounts().rules();
  const auth::Username name{target->user.username, target->user.username_key};
  if (auto ok = auth::check_new_password(new_password, name, rules.password); !ok) return tl::unexpected(ok.error());
  auto hash = crypto::hash_password(new_password, rules.hashing);
  if (!hash) return tl::unexpected(AuthError::unavailable);
  return PreparedReset{token_digest(token), std::move(target->user), std::move(*hash)};
}

auth::Expected<std::size_t> PasswordReset::complete(const PreparedReset& reset, const mfa::Code& code,
                                                    const auth::Client& client) {
  const store::User& user = reset.user;
  // The second factor first, through the sign-in step's own checks (a code
  // spent once, wrong codes counted against the account's locks).
  auto challenge = step_.challenge_if_enrolled(user, client, kBinding);
  if (!challenge) return tl::unexpected(challenge.error());
  if (*challenge) {
    if (code.totp.empty() && code.recovery.empty()) return tl::unexpected(AuthError::second_factor_required);
    auto passed = step_.pass((*challenge)->mfa_token, code, client, kBinding);
    if (!passed) return tl::unexpected(passed.error() == AuthError::mfa_token_invalid ? AuthError::mfa_code_invalid
                                                                                       : passed.error());
  }
  const UnixSeconds now = service_.clock()();
  auto spent = service_.store().mail().redeem_token(reset.token_hash, store::kResetPassword, now);
  if (!spent) {
    if (spent.error() == store::StoreError::not_found) return tl::unexpected(AuthError::reset_token_invalid);
    return auth::store_failure(spent);
  }
  if (spent->user_id != user.id) return tl::unexpected(AuthError::reset_token_invalid);
  // Sessions end before the password changes, as a password change does
  // (auth/accounts.cpp): a failure between leaves no session beside the new one.
  auto ended = service_.store().sessions().revoke_all_of(user.id, std::nullopt, now, store::EndReason::password_reset);
  if (!ended) return auth::store_failure(ended);
  service_.tokens().revoked_after_commit(service_.store().database(), *ended, now);
  if (auto r = service_.store().users().change_password(user.id, reset.new_hash, now); !r) return auth::store_failure(r);
  const auto count = static_cast<std::int64_t>(ended->size());
  log::info("email.password_reset", {{"user_id", std::string_view(user.id)}, {"sessions_ended", count}});
  service_.context().record({.event = "password_reset", .user_id = user.id, .username = user.username,
                             .detail = auth::audit_detail({{"sessions_ended", count}})},
                            client);
  return ended->size();
}

}  // namespace latchkey::email
