#pragma once
// JSON Web Keys (RFC 7517; RFC 7518 section 6 for EC and RSA, RFC 8037 for
// Ed25519): the public half of our asymmetric keys for publication, and a
// key read from a JWK (test vectors, keys handed over as JWK).
#include <string>

#include <boost/json/object.hpp>
#include <tl/expected.hpp>

#include "token/keyset.hpp"

namespace latchkey::token {

// The public JWK of an ES256 / EdDSA / RS256 key, with kid, alg and
// use:"sig". Empty for HS256 (a secret is never published) and for a key
// whose public values cannot be read.
boost::json::object public_jwk(const SigningKey& key);

// A key from a JWK: "EC" (P-256) -> ES256, "OKP" (Ed25519) -> EdDSA, "RSA"
// -> RS256, "oct" -> HS256. With the private members (d, and for RSA p, q,
// dp, dq, qi) the key can sign; without them it only verifies. A JWK "alg",
// when present, must be the one implied. Private and public members must
// belong together (OpenSSL's pairwise check); created_at is 0.
tl::expected<SigningKey, std::string> key_from_jwk(const boost::json::object& jwk, std::string kid);

}  // namespace latchkey::token
