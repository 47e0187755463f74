#pragma once
// Client authentication with a signed JWT, private_key_jwt (RFC 7523
// section 3 and 2.2, OpenID Connect Core 1.0 section 9): the client signs an
// assertion with a private key whose public half it registered in its
// metadata's "jwks"; the token endpoint verifies it here. Single use (the
// jti) is the caller's to enforce, in the store, until the assertion's exp.
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <tl/expected.hpp>

#include "oidc/oauth_error.hpp"
#include "util/time.hpp"

namespace latchkey::oidc {

// An assertion valid for longer than this (beyond leeway) is refused: a
// client makes a fresh one per request, and a long-lived one that leaked
// would authenticate for as long as it lives.
inline constexpr UnixSeconds kMaxAssertionLifetime = 10 * 60;
inline constexpr std::size_t kMaxJti = 256;
inline constexpr std::size_t kMaxAssertion = 8192;

// What the caller needs for single use: remember jti until exp.
struct Assertion {
  std::string jti;
  UnixSeconds exp = 0;
};

// Verifies `assertion` for `client_id`, whose registered JWK Set is
// `client_jwks`. Every failure is invalid_client, with a description for the
// client's developer:
//  - the header: alg RS256, PS256, ES256 or EdDSA (never "none", never HS*:
//    the client has no shared secret); no jku / jwk / x5u / x5c / crit;
//  - the key: the JWKS key with the header's kid (of the alg's key type,
//    "use" absent or "sig", "alg" absent or the header's); without a kid,
//    the only key of that type;
//  - the claims: iss and sub both equal to client_id; aud a string, or an
//    array, holding one of `audiences` (the issuer and the token endpoint
//    URL); exp present, not past (by more than `leeway`) and at most
//    kMaxAssertionLifetime (+ leeway) away; jti present, non-empty, at most
//    kMaxJti bytes; iat and nbf, when present, not in the future beyond
//    `leeway`.
tl::expected<Assertion, OAuthError> verify_client_assertion(std::string_view assertion, std::string_view client_id,
                                                            const boost::json::object& client_jwks,
                                                            const std::vector<std::string>& audiences,
                                                            UnixSeconds now, UnixSeconds leeway = 30);

}  // namespace latchkey::oidc
