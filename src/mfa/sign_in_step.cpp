#include "mfa/sign_in_step.hpp"

#include "crypto/digest.hpp"
#include "crypto/random.hpp"
#include "mfa/recovery_codes.hpp"
#include "mfa/totp.hpp"
#include "util/log.hpp"

namespace latchkey::mfa {

using auth::AuthError;
using auth::Expected;

namespace {

constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kMaxTokenChars = 128;

std::string binding_of(const auth::Client& client, std::string_view bound_to) {
  std::string b(client.user_agent);
  b.push_back('\n');
  b.append(bound_to);
  return crypto::token_digest(b);
}

}  // namespace

SignInStep::SignInStep(auth::Service& service, Enrolment& enrolment, Passkeys& passkeys, const Options& options)
    : service_(service), enrolment_(enrolment), passkeys_(passkeys), options_(options) {}

Expected<std::optional<Challenge>> SignInStep::challenge_if_enrolled(const store::User& user,
                                                                     const auth::Client& client,
                                                                     std::string_view bound_to) {
  auto status = enrolment_.status(user.id);
  if (!status) return tl::unexpected(status.error());
  if (!status->required()) return std::optional<Challenge>{};
  const UnixSeconds now = service_.clock()();
  Challenge out;
  out.mfa_token = crypto::random_token(kTokenBytes);
  out.methods = status->methods();
  out.expires_in = options_.challenge_ttl;
  store::MfaChallenge c;
  c.token_hash = crypto::token_digest(out.mfa_token);
  c.user_id = user.id;
  c.binding = binding_of(client, bound_to);
  c.amr = "pwd";
  c.auth_time = now;
  c.created_at = now;
  c.expires_at = now + options_.challenge_ttl;
  if (auto r = service_.store().mfa_challenges().create(c); !r) {
    if (r.error() == store::StoreError::not_found) return tl::unexpected(AuthError::account_disabled);
    return auth::store_failure(r);
  }
  service_.context().record({.event = "mfa_challenged", .user_id = user.id, .username = user.username}, client);
  return std::optional<Challenge>(std::move(out));
}

Expected<std::string> SignInStep::check_code(const store::User& user, const Code& code, std::string_view token_hash,
                                             UnixSeconds now) {
  store::FactorStore& factors = service_.store().factors();
  if (code.passkey) {
    auto amr = passkeys_.second_factor(user, *code.passkey, token_hash);
    if (!amr) {
      // Any refusal of the passkey is a wrong code (passkeys off: no passkey can be right).
      if (amr.error() == AuthError::passkey_invalid || amr.error() == AuthError::passkeys_unavailable)
        return std::string();
      return tl::unexpected(amr.error());
    }
    return std::move(*amr);
  }
  if (!code.totp.empty()) {
    auto factor = factors.find_totp(user.id);
    if (!factor) {
      if (factor.error() == store::StoreError::not_found) return std::string();
      return auth::store_failure(factor);
    }
    if (!factor->confirmed_at) return std::string();
    auto secret = enrolment_.totp_secret(*factor);
    if (!secret) return tl::unexpected(secret.error());
    if (!*secret) return std::string();
    const auto step = matching_step(**secret, code.totp, now);
    if (!step) return std::string();
    // Taken once: a step not later than the last accepted one is refused.
    auto used = factors.use_totp_step(user.id, *step);
    if (!used) return auth::store_failure(used);
    return *used ? std::string("otp") : std::string();
  }
  const auto digest = recovery_code_digest(code.recovery);
  if (!digest) return std::string();
  auto used = factors.use_recovery_code(user.id, *digest, now);
  if (!used) return auth::store_failure(used);
  return *used ? std::string("otp") : std::string();
}

Expected<store::MfaChallenge> SignInStep::live_challenge(std::string_view mfa_token, const auth::Client& client,
                                                         std::string_view bound_to, UnixSeconds now) {
  if (mfa_token.empty() || mfa_token.size() > kMaxTokenChars) return tl::unexpected(AuthError::mfa_token_invalid);
  auto c = service_.store().mfa_challenges().find(crypto::token_digest(mfa_token));
  if (!c) {
    if (c.error() == store::StoreError::not_found) return tl::unexpected(AuthError::mfa_token_invalid);
    return auth::store_failure(c);
  }
  const bool live = !c->used_at && now < c->expires_at && c->failures < options_.max_code_failures;
  if (!live || !crypto::constant_time_equal(c->binding, binding_of(client, bound_to)))
    return tl::unexpected(AuthError::mfa_token_invalid);
  return std::move(*c);
}

Expected<boost::json::object> SignInStep::passkey_options(std::string_view mfa_token, const auth::Client& client,
                                                          std::string_view bound_to) {
  auto c = live_challenge(mfa_token, client, bound_to, service_.clock()());
  if (!c) return tl::unexpected(c.error());
  auto user = service_.store().users().find_by_id(c->user_id);
  if (!user) {
    if (user.error() == store::StoreError::not_found) return tl::unexpected(AuthError::mfa_token_invalid);
    return auth::store_failure(user);
  }
  return passkeys_.second_factor_options(*user, c->token_hash);
}

Expected<PassedStep> SignInStep::pass(std::string_view mfa_token, const Code& code, const auth::Client& client,
                                      std::string_view bound_to, UnixSeconds* retry_after) {
  const int given = (code.totp.empty() ? 0 : 1) + (code.recovery.empty() ? 0 : 1) + (code.passkey ? 1 : 0);
  if (given != 1) return tl::unexpected(AuthError::mfa_code_required);
  const UnixSeconds now = service_.clock()();
  store::MfaChallengeStore& challenges = service_.store().mfa_challenges();
  auto c = live_challenge(mfa_token, client, bound_to, now);
  if (!c) return tl::unexpected(c.error());
  const std::string digest = c->token_hash;
  auto user = service_.store().users().find_by_id(c->user_id);
  if (!user) {
    if (user.error() == store::StoreError::not_found) return tl::unexpected(AuthError::mfa_token_invalid);
    return auth::store_failure(user);
  }
  if (user->disabled_at) return tl::unexpected(AuthError::account_disabled);

  // The password's limits, on the same keys (password_login.hpp).
  using abuse::Limit;
  abuse::Limiter& limits = service_.limits();
  const abuse::Key bumps[] = {abuse::per_ip(Limit::flood, client.ip)};
  const abuse::Key reads[] = {abuse::per_ip(Limit::login_ip, client.ip),
                              abuse::per_account_and_ip(Limit::login_pair, user->username_key, client.ip),
                              abuse::per_account(Limit::login_account, user->username_key)};
  const auto gate = limits.admit(bumps, reads, now);
  if (!gate.verdict || gate.locked[0]) {
    const Limit by = gate.verdict ? Limit::login_ip : gate.verdict.limit;
    limits.count_refusal(by);
    if (retry_after) *retry_after = gate.verdict ? gate.retry_after[0] : gate.verdict.retry_after;
    return tl::unexpected(AuthError::rate_limited);
  }
  const bool locked = gate.locked[1] || gate.locked[2];
  std::string added;  // the amr the code adds; empty: wrong
  if (!locked) {
    auto checked = check_code(*user, code, digest, now);
    if (!checked) return tl::unexpected(checked.error());
    added = std::move(*checked);
  }
  const bool right = !added.empty();
  const std::string_view method = code.passkey ? "passkey" : code.totp.empty() ? "recovery_code" : "totp";
  if (!right) {
    auto failures = challenges.count_failure(digest);
    if (!locked) limits.record(reads, now);
    log::info("mfa.code_refused", {{"user_id", std::string_view(user->id)}, {"method", method},
                                   {"locked", locked}});
    service_.context().record({.event = "mfa_failed", .user_id = user->id, .username = user->username,
                               .detail = auth::audit_detail({{"method", method}, {"locked", locked}})},
                              client);
    if (!failures && failures.error() != store::StoreError::not_found) return auth::store_failure(failures);
    return tl::unexpected(AuthError::mfa_code_invalid);
  }
  auto spent = challenges.consume(digest, now, options_.max_code_failures);
  if (!spent) return auth::store_failure(spent);
  if (!*spent) return tl::unexpected(AuthError::mfa_token_invalid);  // another request took it first
  if (gate.counts[1] > 0) limits.forget(reads[1]);
  PassedStep out;
  out.user = std::move(*user);
  out.amr = "pwd " + added + " mfa";
  out.auth_time = c->auth_time;
  out.method = std::string(method);
  return out;
}

Expected<auth::TokenPair> SignInStep::complete(const PassedStep& step, const auth::Client& client,
                                               auth::SessionSpec spec) {
  spec.amr = step.amr;
  spec.auth_time = step.auth_time;
  auto pair = service_.sessions().open(step.user, client, spec);
  if (!pair) return pair;
  log::info("auth.login", {{"user_id", std::string_view(step.user.id)},
                           {"session_id", std::string_view(pair->session_id)}, {"mfa", std::string_view(step.method)}});
  service_.context().record({.event = "login", .user_id = step.user.id, .username = step.user.username,
                             .session_id = pair->session_id,
                             .detail = auth::audit_detail({{"mfa", std::string_view(step.method)}})},
                            client);
  return pair;
}

}  // namespace latchkey::mfa
