#pragma once
// The server's own signing keys. A token names its key by `kid`; a key is
// used with exactly one algorithm (RFC 8725 section 3.1), and verification
// only ever picks keys from this set.
#include <openssl/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "util/time.hpp"

namespace latchkey::token {

// JOSE names (RFC 7518 section 3.1, RFC 8037 section 3.1): "HS256", "ES256",
// "EdDSA" (Ed25519 only), "RS256".
enum class Alg { HS256, ES256, EdDSA, RS256 };

std::string_view alg_name(Alg a);
std::optional<Alg> alg_from_name(std::string_view name);

// True for the public-key algorithms, whose public halves may be published.
bool is_asymmetric(Alg a);

// An OpenSSL key, freed with EVP_PKEY_free. Never modified once made, so
// shared read-only between threads (EVP_PKEY is reference counted).
using PKey = std::shared_ptr<EVP_PKEY>;

// Takes ownership of `raw` (may be null).
PKey adopt_pkey(EVP_PKEY* raw);

struct SigningKey {
  std::string kid;
  Alg alg = Alg::HS256;
  std::string secret;  // raw key bytes (HS256); never logged, never published
  UnixSeconds created_at = 0;
  // ES256 / EdDSA / RS256: the private key, or only the public one (verifies,
  // cannot sign). Null for HS256.
  PKey pkey = nullptr;
};

class KeySet {
 public:
  KeySet() = default;
  // The first key signs; all of them verify.
  explicit KeySet(std::vector<SigningKey> keys);

  const SigningKey& current() const { return keys_.front(); }
  const SigningKey* find(std::string_view kid) const;
  bool empty() const { return keys_.empty(); }
  const std::vector<SigningKey>& keys() const { return keys_; }

  // The JWK Set (RFC 7517 section 5) of the asymmetric keys' public halves:
  // {"keys": [...]}. HS256 keys are never included.
  boost::json::object jwks() const;

 private:
  std::vector<SigningKey> keys_;
};

// A stable, non-reversible key id for a configured secret (SECRET_KEY).
std::string kid_for_secret(std::string_view secret);

}  // namespace latchkey::token
