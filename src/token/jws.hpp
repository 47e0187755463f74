#pragma once
// JWS signatures (RFC 7515) over a signing input, for each Alg, in their JOSE
// byte form: HS256 the 32-byte HMAC; ES256 the 64-byte R||S (RFC 7518
// section 3.4), not DER; EdDSA the 64-byte Ed25519 signature (RFC 8037);
// RS256 the PKCS#1 v1.5 signature, as long as the modulus.
//
// Both are safe to call from many threads on one shared SigningKey: each call
// makes its own EVP_MD_CTX and only reads the key.
#include <string>
#include <string_view>

#include "token/keyset.hpp"

namespace latchkey::token {

// The raw signature bytes. Throws std::invalid_argument when the key cannot
// sign (no key, a key not of its algorithm, a public-only key, an empty
// HS256 secret).
std::string sign_signature(const SigningKey& key, std::string_view signing_input);

// True only for a valid signature by `key` under `key.alg`; a signature of the
// wrong length or shape is simply false.
bool verify_signature(const SigningKey& key, std::string_view signing_input,
                      std::string_view signature);

}  // namespace latchkey::token
