#include "token/keyset.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
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

namespace {

// Whether `pkey` holds a private key (a public-only one verifies, never signs).
bool can_sign(const EVP_PKEY* pkey) {
  if (pkey == nullptr) return false;
  // Ed25519 keeps its private part as the raw "priv" octets, EC and RSA as
  // BIGNUMs ("priv", "d"): asking for the size tells whether it is there.
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, nullptr, 0, &len) == 1 && len > 0) return true;
  BIGNUM* bn = nullptr;
  const bool has = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &bn) == 1 ||
                   EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_D, &bn) == 1;
  BN_clear_free(bn);
  ERR_clear_error();
  return has;
}

}  // namespace

KeySet::KeySet(std::vector<SigningKey> keys, std::size_t signing) : keys_(std::move(keys)) {
  if (keys_.empty()) throw std::invalid_argument("a key set needs at least one key");
  signing_ = std::clamp<std::size_t>(signing, 1, keys_.size());
  signs_.reserve(keys_.size());
  for (const SigningKey& k : keys_) signs_.push_back(k.alg == Alg::HS256 ? !k.secret.empty() : can_sign(k.pkey.get()));
}

const SigningKey* KeySet::find(std::string_view kid) const {
  for (const auto& k : keys_) {
    if (k.kid == kid) return &k;
  }
  return nullptr;
}

const SigningKey* KeySet::signer(Alg alg) const {
  for (std::size_t i = 0; i < signing_; ++i) {
    if (keys_[i].alg == alg && signs_[i]) return &keys_[i];
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
