#pragma once
// Logout tokens (OpenID Connect Back-Channel Logout 1.0 section 2.4): what
// the provider POSTs to a client's backchannel_logout_uri when a session
// ends. A JWT with header typ "logout+jwt" (section 2.4, RFC 8725 section
// 3.11: it can never be taken for an ID token) and the claims iss, aud, iat,
// exp, jti, sub and/or sid, and the backchannel-logout event; never a nonce
// (section 2.4: its absence is what tells it from an ID token).
#include <string>

#include "token/keyset.hpp"
#include "util/time.hpp"

namespace latchkey::oidc {

// How long a logout token is valid: it is sent at once, so two minutes
// cover a slow delivery and clock skew.
inline constexpr UnixSeconds kLogoutTokenLifetime = 120;

// The event member's name (section 2.4).
inline constexpr const char* kBackchannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout";

struct LogoutClaims {
  std::string iss;
  std::string aud;  // the client_id
  std::string sub;  // empty: omitted
  std::string sid;  // empty: omitted
  UnixSeconds iat = 0;
};

struct LogoutToken {
  std::string jwt;
  std::string jti;  // random (16 bytes), for the caller's log
};

// Signed with `key` (its alg and kid in the header); exp is iat +
// kLogoutTokenLifetime. The spec requires sub or sid (or both): a token
// with neither is a bug, std::invalid_argument, as is a key that cannot sign.
LogoutToken sign_logout_token(const LogoutClaims& claims, const token::SigningKey& key);

}  // namespace latchkey::oidc
