#include "mfa/enrolment.hpp"

#include "crypto/random.hpp"
#include "mfa/base32.hpp"
#include "mfa/qr_svg.hpp"
#include "mfa/recovery_codes.hpp"
#include "mfa/totp.hpp"
#include "util/log.hpp"

namespace latchkey::mfa {

using auth::AuthError;
using auth::Expected;

std::string totp_associated_data(std::string_view user_id) { return "latchkey totp " + std::string(user_id); }

Enrolment::Enrolment(auth::Service& service, const Options& options) : service_(service), options_(options) {}

Expected<FactorStatus> Enrolment::status(std::string_view user_id) {
  auto s = service_.store().factors().summary(user_id);
  if (!s) return auth::store_failure(s);
  return FactorStatus{*s};
}

Expected<TotpSetup> Enrolment::begin_totp(const store::User& user, const auth::Client& client) {
  if (!options_.sealing_key) return tl::unexpected(AuthError::totp_unavailable);
  const std::string secret = crypto::random_bytes(kTotpSecretBytes);
  store::TotpFactor f;
  f.user_id = user.id;
  f.sealed_secret = options_.sealing_key->seal(secret, totp_associated_data(user.id));
  f.created_at = service_.clock()();
  if (auto r = service_.store().factors().put_pending_totp(f); !r) {
    if (r.error() == store::StoreError::conflict) return tl::unexpected(AuthError::factor_exists);
    if (r.error() == store::StoreError::not_found) return tl::unexpected(AuthError::session_ended);
    return auth::store_failure(r);
  }
  service_.context().record({.event = "mfa_totp_setup_started", .user_id = user.id, .username = user.username}, client);
  return setup_of(secret, user);
}

TotpSetup Enrolment::setup_of(std::string_view secret, const store::User& user) const {
  TotpSetup out;
  out.uri = otpauth_uri(secret, options_.issuer_name, user.username);
  out.qr_svg = qr_svg(out.uri).value_or("");
  out.secret = grouped(base32_encode(secret), 4, ' ');
  return out;
}

Expected<TotpSetup> Enrolment::pending_totp(const store::User& user) {
  auto factor = service_.store().factors().find_totp(user.id);
  if (!factor) {
    if (factor.error() == store::StoreError::not_found) return tl::unexpected(AuthError::factor_not_found);
    return auth::store_failure(factor);
  }
  if (factor->confirmed_at) return tl::unexpected(AuthError::factor_not_found);
  auto secret = totp_secret(*factor);
  if (!secret) return tl::unexpected(secret.error());
  if (!*secret) return tl::unexpected(AuthError::totp_unavailable);
  return setup_of(**secret, user);
}

Expected<std::optional<std::string>> Enrolment::totp_secret(const store::TotpFactor& factor) const {
  if (!options_.sealing_key) return std::optional<std::string>{};
  auto secret = options_.sealing_key->open(factor.sealed_secret, totp_associated_data(factor.user_id));
  if (!secret) log::error("mfa.totp_secret_unreadable", {{"user_id", std::string_view(factor.user_id)}});
  return secret;
}

Expected<std::vector<std::string>> Enrolment::confirm_totp(const store::User& user, std::string_view code,
                                                          const auth::Client& client) {
  store::FactorStore& factors = service_.store().factors();
  auto factor = factors.find_totp(user.id);
  if (!factor) {
    if (factor.error() == store::StoreError::not_found) return tl::unexpected(AuthError::factor_not_found);
    return auth::store_failure(factor);
  }
  if (factor->confirmed_at) return tl::unexpected(AuthError::factor_exists);
  auto secret = totp_secret(*factor);
  if (!secret) return tl::unexpected(secret.error());
  if (!*secret) return tl::unexpected(AuthError::totp_unavailable);
  const UnixSeconds now = service_.clock()();
  const auto step = matching_step(**secret, code, now);
  bool confirmed = false;
  if (step) {
    auto r = factors.confirm_totp(user.id, *step, now);
    if (!r) return auth::store_failure(r);
    confirmed = *r;
  }
  if (!confirmed) {
    service_.context().record({.event = "mfa_totp_setup_failed", .user_id = user.id, .username = user.username}, client);
    return tl::unexpected(AuthError::mfa_code_invalid);
  }
  service_.context().record({.event = "mfa_totp_enabled", .user_id = user.id, .username = user.username}, client);
  log::info("mfa.totp_enabled", {{"user_id", std::string_view(user.id)}});
  auto left = factors.unused_recovery_codes(user.id);
  if (!left) return auth::store_failure(left);
  if (*left > 0) return std::vector<std::string>{};
  return new_recovery_codes(user, client);
}

Expected<void> Enrolment::remove_totp(const store::User& user, const auth::Client& client) {
  if (auto r = service_.store().factors().remove_totp(user.id); !r) {
    if (r.error() == store::StoreError::not_found) return tl::unexpected(AuthError::factor_not_found);
    return auth::store_failure(r);
  }
  service_.context().record({.event = "mfa_totp_removed", .user_id = user.id, .username = user.username}, client);
  log::info("mfa.totp_removed", {{"user_id", std::string_view(user.id)}});
  return {};
}

Expected<std::vector<std::string>> Enrolment::new_recovery_codes(const store::User& user, const auth::Client& client) {
  RecoveryCodes codes = mfa::new_recovery_codes();
  if (auto r = service_.store().factors().replace_recovery_codes(user.id, codes.digests, service_.clock()()); !r) {
    if (r.error() == store::StoreError::not_found) return tl::unexpected(AuthError::session_ended);
    return auth::store_failure(r);
  }
  service_.context().record({.event = "mfa_recovery_codes_generated", .user_id = user.id, .username = user.username},
                            client);
  return std::move(codes.shown);
}

}  // namespace latchkey::mfa
