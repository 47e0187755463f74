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

// Sizes the algorithms fix, in bytes: a P-256 coordinate or private scalar,
// and each of an ES256 signature's R and S (RFC 7518 sections 3.4, 6.2.1.2,
// 6.2.2.1); an Ed25519 key (RFC 8037 section 2).
inline constexpr int kP256Bytes = 32;
inline constexpr int kEd25519Bytes = 32;

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
  // All keys verify. The first key signs access tokens; the first `signing`
  // (at least 1) are the ones that may sign at all, one per algorithm; the
  // rest are about to sign (published ahead) or retired, and only verify
  // (auth/key_bootstrap.hpp orders them so). By default every key may sign.
  explicit KeySet(std::vector<SigningKey> keys, std::size_t signing = static_cast<std::size_t>(-1));

  const SigningKey& current() const { return keys_.front(); }
  // The key that signs with `alg` (ID tokens: OpenID Connect Core 15.1
  // wants RS256; a client may ask for ES256 or EdDSA): the first of that
  // algorithm among the signing ones that can sign (holds its private part;
  // an HS256 key its secret). Null when there is none, as in an HS256
  // deployment asked for RS256.
  const SigningKey* signer(Alg alg) const;
  const SigningKey* find(std::string_view kid) const;
  bool empty() const { return keys_.empty(); }
  const std::vector<SigningKey>& keys() const { return keys_; }

  // The JWK Set (RFC 7517 section 5) of the asymmetric keys' public halves:
  // {"keys": [...]}. HS256 keys are never included.
  boost::json::object jwks() const;

 private:
  std::vector<SigningKey> keys_;
  std::size_t signing_ = 0;
  // Per key of keys_: it holds a private part. Asked once here: OpenSSL
  // answers by copying the private key out (was 1.3 % of the code flow's CPU
  // when signer() asked it per token).
  std::vector<bool> signs_;
};

// A stable, non-reversible key id for a configured secret (SECRET_KEY).
std::string kid_for_secret(std::string_view secret);

}  // namespace latchkey::token
