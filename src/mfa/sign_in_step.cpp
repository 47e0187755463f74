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

SignInStep::SignInStep(auth::Service& service, Enrolment& enrolment, const Options& options)
    : service_(service), enrolment_(enrolment), options_(options) {}

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

Expected<bool> SignInStep::check_code(const store::User& user, const Code& code, UnixSeconds now) {
  store::FactorStore& factors = service_.store().factors();
  if (!code.totp.empty()) {
    auto factor = factors.find_totp(user.id);
    if (!factor) {
      if (factor.error() == store::StoreError::not_found) return false;
      return auth::store_failure(factor);
    }
    if (!factor->confirmed_at) return false;
    auto secret = enrolment_.totp_secret(*factor);
    if (!secret) return tl::unexpected(secret.error());
    if (!*secret) return false;
    const auto step = matching_step(**secret, code.totp, now);
    if (!step) return false;
    // Taken once: a step not later than the last accepted one is refused.
    auto used = factors.use_totp_step(user.id, *step);
    if (!used) return auth::store_failure(used);
    return *used;
  }
  const auto digest = recovery_code_digest(code.recovery);
  if (!digest) return false;
  auto used = factors.use_recovery_code(user.id, *digest, now);
  if (!used) return auth::store_failure(used);
  return *used;
}

Expected<PassedStep> SignInStep::pass(std::string_view mfa_token, const Code& code, const auth::Client& client,
                                      std::string_view bound_to, UnixSeconds* retry_after) {
  if (code.totp.empty() == code.recovery.empty()) return tl::unexpected(AuthError::mfa_code_required);
  if (mfa_token.empty() || mfa_token.size() > kMaxTokenChars) return tl::unexpected(AuthError::mfa_token_invalid);
  const UnixSeconds now = service_.clock()();
  store::MfaChallengeStore& challenges = service_.store().mfa_challenges();
  const std::string digest = crypto::token_digest(mfa_token);
  auto c = challenges.find(digest);
  if (!c) {
    if (c.error() == store::StoreError::not_found) return tl::unexpected(AuthError::mfa_token_invalid);
    return auth::store_failure(c);
  }
  const bool live = !c->used_at && now < c->expires_at && c->failures < options_.max_code_failures;
  if (!live || !crypto::constant_time_equal(c->binding, binding_of(client, bound_to)))
    return tl::unexpected(AuthError::mfa_token_invalid);
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
  bool right = false;
  if (!locked) {
    auto checked = check_code(*user, code, now);
    if (!checked) return tl::unexpected(checked.error());
    right = *checked;
  }
  const std::string_view method = code.totp.empty() ? "recovery_code" : "totp";
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
  out.amr = method == "totp" ? "pwd otp mfa" : "pwd mfa";
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
