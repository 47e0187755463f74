#pragma once
// JWT access tokens (RFC 7519, RFC 9068 profile): signing and verification.
// Verification trusts nothing in the token's header beyond `kid` and `alg`,
// and those only to pick a key from the server's own KeySet whose algorithm
// must match; `jku`, `jwk`, `x5u`, `x5c` and `crit` headers are refused.
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "token/keyset.hpp"
#include "util/time.hpp"

namespace latchkey::token {

struct AccessClaims {
  std::string iss;
  std::string aud;
  std::string sub;       // user id
  std::string username;  // preferred_username
  std::string sid;       // session id
  std::string jti;
  UnixSeconds iat = 0;
  UnixSeconds exp = 0;
  // Tokens of an OAuth client (the token endpoint) also carry, per RFC 9068
  // section 2.2, `client_id` and `scope`; and `sso_sid`, the browser session
  // their session came from, so that the end of single sign-on refuses them
  // at once (its revocation is known in memory; theirs may come later).
  // Empty: absent.
  std::string client_id = {};
  std::string scope = {};
  std::string sso_sid = {};
};

// Every way a token can fail, each mapped to one answer by the caller.
enum class VerifyError {
  malformed,         // not three base64url parts of JSON objects, or too long
  unsupported_alg,   // alg not allowed, or not the algorithm of the named key
  forbidden_header,  // jku / jwk / x5u / x5c / crit present
  unknown_kid,       // no key of ours has this id
  bad_signature,
  expired,
  not_yet_valid,     // iat or nbf in the future beyond the allowed skew
  wrong_type,        // not an access token (typ is not at+jwt)
  wrong_issuer,
  wrong_audience,
  missing_claim,
};

std::string_view describe(VerifyError e);

struct VerifyPolicy {
  std::string issuer;
  std::string audience;
  UnixSeconds leeway = 30;     // allowed clock skew, seconds
  bool ignore_expiry = false;  // for naming a session to end, never for access
};

// Tokens longer than this are refused before any decoding.
inline constexpr std::size_t kMaxTokenLength = 8192;

// Signs with key.alg (jws.hpp); throws std::invalid_argument if the key cannot sign.
std::string sign_access_token(const AccessClaims& claims, const SigningKey& key);

tl::expected<AccessClaims, VerifyError> verify_access_token(std::string_view jwt,
                                                            const KeySet& keys,
                                                            const VerifyPolicy& policy,
                                                            UnixSeconds now);

// True when the text has the shape of a JWT (three dot-separated parts).
bool looks_like_jwt(std::string_view text);

}  // namespace latchkey::token
