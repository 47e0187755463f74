#pragma once
// A credential's public key as the authenticator gives it (a COSE_Key,
// RFC 9052/9053, in CBOR), read into an OpenSSL key we can verify with and
// store: ES256 (EC2, P-256), EdDSA (OKP, Ed25519) and RS256 (RSA,
// 2048 bits or more), the three algorithms latchkey offers. The numbers go
// through the same import and OpenSSL key check as a JWK's
// (token::key_from_jwk): a COSE key is a JWK in another encoding.
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "token/keyset.hpp"

namespace latchkey::webauthn {

// COSE algorithm identifiers (IANA COSE Algorithms).
enum class CoseAlg : int { es256 = -7, eddsa = -8, rs256 = -257 };

struct PublicKey {
  CoseAlg alg = CoseAlg::es256;
  token::PKey key;
  std::string spki;  // DER SubjectPublicKeyInfo: what is stored
};

enum class KeyError {
  malformed,        // not a COSE_Key map, or a field of the wrong type
  unsupported,      // an algorithm, key type or curve we do not offer
  invalid,          // the numbers are not a key of that type (a point off the curve, a short modulus)
};

// From the COSE_Key's CBOR bytes (the whole input must be the one map).
tl::expected<PublicKey, KeyError> parse_cose_key(std::span<const unsigned char> cbor);
// From stored SPKI DER and the algorithm stored beside it.
tl::expected<PublicKey, KeyError> load_public_key(CoseAlg alg, std::string_view spki);

// The key's DER SubjectPublicKeyInfo.
std::string spki_of(const EVP_PKEY* key);

std::optional<CoseAlg> cose_alg(long value);

}  // namespace latchkey::webauthn
