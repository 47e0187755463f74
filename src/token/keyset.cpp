#include "token/keyset.hpp"

#include <openssl/evp.h>

#include <stdexcept>

#include <boost/json.hpp>

#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"
#include "token/jwk.hpp"

namespace latchkey::token {

std::string_view alg_name(Alg a) {
  switch (a) {
    case Alg::HS256: return "HS256";
    case Alg::ES256: return "ES256";
    case Alg::EdDSA: return "EdDSA";
    case Alg::RS256: return "RS256";
  }
  return "";
}

std::optional<Alg> alg_from_name(std::string_view name) {
  for (Alg a : {Alg::HS256, Alg::ES256, Alg::EdDSA, Alg::RS256}) {
    if (name == alg_name(a)) return a;
  }
  return std::nullopt;
}

bool is_asymmetric(Alg a) { return a != Alg::HS256; }

PKey adopt_pkey(EVP_PKEY* raw) { return PKey(raw, EVP_PKEY_free); }

KeySet::KeySet(std::vector<SigningKey> keys) : keys_(std::move(keys)) {
  if (keys_.empty()) throw std::invalid_argument("a key set needs at least one key");
}

const SigningKey* KeySet::find(std::string_view kid) const {
  for (const auto& k : keys_) {
    if (k.kid == kid) return &k;
  }
  return nullptr;
}

boost::json::object KeySet::jwks() const {
  boost::json::array list;
  for (const auto& k : keys_) {
    if (!is_asymmetric(k.alg)) continue;
    auto jwk = public_jwk(k);
    if (!jwk.empty()) list.emplace_back(std::move(jwk));
  }
  return {{"keys", std::move(list)}};
}

std::string kid_for_secret(std::string_view secret) {
  std::string digest = crypto::sha256(std::string("latchkey-kid:").append(secret));
  return "hs-" + crypto::base64url_encode(std::string_view(digest).substr(0, 9));
}

}  // namespace latchkey::token
