#pragma once
// Making signing keys and keeping them as text (the database's `material`
// column): HS256 as the base64url of the secret, the asymmetric algorithms as
// an unencrypted PEM PKCS#8 private key ("-----BEGIN PRIVATE KEY-----").
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "token/keyset.hpp"
#include "util/time.hpp"

namespace latchkey::token {

// A new random key: HS256 64 bytes; ES256 on P-256; EdDSA Ed25519; RS256 2048-bit RSA.
tl::expected<SigningKey, std::string> generate_key(Alg alg, std::string kid, UnixSeconds now);

// The text to store for `key`. Throws std::invalid_argument when the key
// cannot be written (an asymmetric key without its private part).
std::string encode_key_material(const SigningKey& key);

// The key stored as `material`; refuses a key whose type is not `alg`'s.
tl::expected<SigningKey, std::string> decode_key_material(std::string kid, Alg alg,
                                                          std::string_view material,
                                                          UnixSeconds created_at);

// Why `key` cannot serve `alg` (wrong type, EC curve other than P-256, RSA
// under 2048 bits, no key), or nothing when it can.
std::optional<std::string> key_mismatch(const EVP_PKEY* key, Alg alg);

}  // namespace latchkey::token
