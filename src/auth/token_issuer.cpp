#include "auth/token_issuer.hpp"

#include <algorithm>

#include "crypto/random.hpp"

namespace latchkey::auth {

std::string TokenIssuer::access_token(const store::User& user, std::string_view session_id, UnixSeconds iat,
                                      std::string jti, const TokenGrant& grant) const {
  token::AccessClaims c;
  c.iss = ctx_.options.issuer;
  c.aud = ctx_.options.audience;
  c.sub = user.id;
  c.username = user.username;
  c.sid = std::string(session_id);
  c.jti = std::move(jti);
  c.iat = iat;
  c.exp = iat + ctx_.options.access_ttl;
  c.client_id = grant.client_id;
  c.scope = grant.scope;
  c.sso_sid = grant.sso_sid;
  return token::sign_access_token(c, ctx_.tokens.keys()->current());
}

std::string TokenIssuer::service_token(std::string_view client_id, std::string_view scope, UnixSeconds iat) const {
  token::AccessClaims c;
  c.iss = ctx_.options.issuer;
  c.aud = ctx_.options.audience;
  c.sub = std::string(client_id);
  c.client_id = std::string(client_id);
  c.scope = std::string(scope);
  c.jti = crypto::random_token(16);
  c.iat = iat;
  c.exp = iat + ctx_.options.access_ttl;
  return token::sign_access_token(c, ctx_.tokens.keys()->current());
}

TokenPair TokenIssuer::pair(const store::User& user, std::string_view session_id, std::string refresh_token,
                            UnixSeconds iat, UnixSeconds now, const TokenGrant& grant) const {
  std::string sid(session_id);
  std::string jti = ctx_.options.rotate_refresh_tokens && !refresh_token.empty() ? ctx_.chain.jti_for(refresh_token)
                                                                                 : crypto::random_token(16);
  TokenPair p;
  p.access_token = access_token(user, sid, iat, std::move(jti), grant);
  p.refresh_token = std::move(refresh_token);
  p.session_id = std::move(sid);
  // RFC 6749 5.1. Not from a later clock read: under load a 1 s token
  // crossed a second between iat and that read and answered expires_in 0.
  p.expires_in = std::max<UnixSeconds>(iat + ctx_.options.access_ttl - now, 0);
  return p;
}

}  // namespace latchkey::auth
