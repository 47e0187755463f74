#pragma once
// ID tokens (OpenID Connect Core 1.0 section 2): signing one, its at_hash
// (section 3.1.3.6), and reading one of ours back as an id_token_hint
// (section 3.1.2.1; RP-Initiated Logout 1.0 section 2).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <tl/expected.hpp>

#include "token/jwt.hpp"
#include "token/keyset.hpp"
#include "util/time.hpp"

namespace latchkey::oidc {

struct IdTokenClaims {
  std::string iss;
  std::string sub;
  std::string aud;  // the client_id
  std::string azp;  // the client_id too (section 2: the party it was issued to); empty: omitted
  std::optional<std::string> nonce;  // exactly the request's, when it had one
  std::string sid;                   // the session (Front-/Back-Channel Logout); empty: omitted
  std::string acr;                   // empty: omitted
  std::vector<std::string> amr;      // empty: omitted
  UnixSeconds auth_time = 0;         // when the user authenticated; 0: omitted
  UnixSeconds iat = 0;
  UnixSeconds exp = 0;
  std::optional<std::string> at_hash;  // with an access token from the same response
  // Other claims (preferred_username, email, ...). A name the fields above
  // set is ignored here: the registered claims cannot be overridden.
  boost::json::object extra;
};

// A compact JWS: header {"alg": key.alg, "kid": key.kid, "typ": "JWT"}.
// Throws std::invalid_argument when the key cannot sign (jws.hpp).
std::string sign_id_token(const IdTokenClaims& claims, const token::SigningKey& key);

// The algorithms `keys` can sign an id_token with now, each once, in the
// set's order: those of its asymmetric keys with a signer (KeySet::signer;
// an id_token is never signed with a shared secret of ours). What discovery
// lists and registration accepts.
std::vector<std::string> id_token_algs(const token::KeySet& keys);

// The at_hash of `access_token` for an ID token signed with `alg`:
// base64url of the left-most half of the hash of its ASCII octets, the hash
// being the one of the alg's JWS signature: SHA-256 for HS256, ES256 and
// RS256. EdDSA names no hash; for Ed25519 it is SHA-512 (the hash inside
// Ed25519), as the OpenID Foundation's conformance suite and panva's
// oidc-provider / jose compute it, so 32 bytes.
std::string at_hash(std::string_view access_token, token::Alg alg);

// Who an id_token_hint names.
struct HintClaims {
  std::string sub;
  std::string aud;  // the client it was issued to
  std::string sid;  // empty when the token had none
};

// An ID token of ours, as a hint: signed by a key of `keys` under that key's
// algorithm (kid required), typ absent or "JWT" (never an access or logout
// token), iss == `issuer`, sub present, aud one client (a string, or an
// array of one). Expiry is ignored on purpose: RP-Initiated Logout sends
// hints long expired, and a hint only names, never authenticates. `now` is
// kept for iat: a token issued in the future (beyond `leeway`) is refused.
tl::expected<HintClaims, token::VerifyError> verify_id_token_hint(std::string_view jwt, const token::KeySet& keys,
                                                                  std::string_view issuer, UnixSeconds now,
                                                                  UnixSeconds leeway = 30);

}  // namespace latchkey::oidc
