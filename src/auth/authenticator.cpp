#include "auth/authenticator.hpp"

#include "auth/refresh_chain.hpp"

namespace latchkey::auth {

namespace {

AuthError from_verify(token::VerifyError e) {
  switch (e) {
    case token::VerifyError::expired: return AuthError::token_expired;
    case token::VerifyError::wrong_type: return AuthError::token_wrong_type;
    default: return AuthError::token_invalid;
  }
}

}  // namespace

Authenticator::Authenticator(const Context& ctx) : ctx_(ctx), policy_(ctx.verify_policy()) {}

Expected<Principal> Authenticator::authenticate(std::string_view access_token) {
  if (access_token.empty()) return tl::unexpected(AuthError::token_missing);
  const UnixSeconds now = ctx_.clock();
  token::VerifiedCache& verified = ctx_.tokens.verified();
  auto token = verified.find(access_token, now);
  if (!token) {
    if (parse_refresh_token(access_token)) return tl::unexpected(AuthError::token_wrong_type);
    auto claims = token::verify_access_token(access_token, *ctx_.tokens.keys(), policy_, now);
    if (!claims) return tl::unexpected(from_verify(claims.error()));
    // A client_credentials token names no session: it is no person's.
    if (claims->sid.empty()) return tl::unexpected(AuthError::token_invalid);
    token = std::make_shared<const token::VerifiedToken>(
        token::VerifiedToken{std::move(claims->sub), std::move(claims->username), std::move(claims->sid), claims->exp,
                             std::move(claims->sso_sid), std::move(claims->client_id), std::move(claims->scope)});
    verified.insert(access_token, token);
  }
  // Revocation is checked on every request, cached token or not.
  if (ctx_.tokens.is_revoked(token->sid) || (!token->sso_sid.empty() && ctx_.tokens.is_revoked(token->sso_sid)))
    return tl::unexpected(AuthError::session_ended);
  ctx_.usage.note(token->sid, now);
  return Principal{token->sub, token->username, token->sid, std::move(token)};  // views taken first
}

std::optional<token::AccessClaims> Authenticator::claims_even_if_expired(std::string_view access_token) const {
  token::VerifyPolicy p = policy_;
  p.ignore_expiry = true;
  auto claims = token::verify_access_token(access_token, *ctx_.tokens.keys(), p, ctx_.clock());
  if (!claims) return std::nullopt;
  return std::move(*claims);
}

}  // namespace latchkey::auth
