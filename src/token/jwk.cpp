#include "token/jwk.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <optional>

#include <boost/json.hpp>

#include "crypto/base64url.hpp"
#include "token/key_material.hpp"
#include "token/ossl_handles.hpp"

namespace latchkey::token {

namespace json = boost::json;
using crypto::base64url_encode;

namespace {

// A BIGNUM parameter of the key as unsigned big-endian bytes: exactly `width`
// bytes (left-padded) when width > 0, else minimal (no leading zeros).
std::optional<std::string> bn_param(const EVP_PKEY* key, const char* name, int width = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return std::nullopt;
  ossl::Bignum bn(raw);
  const int len = width > 0 ? width : BN_num_bytes(bn.get());
  std::string out(static_cast<std::size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  if ((width > 0 ? BN_bn2binpad(bn.get(), p, width) : BN_bn2bin(bn.get(), p)) != len)
    return std::nullopt;
  return out;
}

std::optional<std::string> raw_public_key(const EVP_PKEY* key) {
  std::size_t len = 0;
  if (EVP_PKEY_get_raw_public_key(key, nullptr, &len) != 1) return std::nullopt;
  std::string out(len, '\0');
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(out.data()), &len) != 1)
    return std::nullopt;
  out.resize(len);
  return out;
}

std::optional<json::object> public_members(const SigningKey& key) {
  const EVP_PKEY* pkey = key.pkey.get();
  switch (key.alg) {
    case Alg::HS256: return std::nullopt;
    case Alg::ES256: {
      auto x = bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, kP256Bytes);
      auto y = bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, kP256Bytes);
      if (!x || !y) return std::nullopt;
      return json::object{{"kty", "EC"},
                          {"crv", "P-256"},
                          {"x", base64url_encode(*x)},
                          {"y", base64url_encode(*y)}};
    }
    case Alg::EdDSA: {
      auto x = raw_public_key(pkey);
      if (!x || x->size() != kEd25519Bytes) return std::nullopt;
      return json::object{{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", base64url_encode(*x)}};
    }
    case Alg::RS256: {
      auto n = bn_param(pkey, OSSL_PKEY_PARAM_RSA_N);
      auto e = bn_param(pkey, OSSL_PKEY_PARAM_RSA_E);
      if (!n || !e) return std::nullopt;
      return json::object{{"kty", "RSA"}, {"n", base64url_encode(*n)}, {"e", base64url_encode(*e)}};
    }
  }
  return std::nullopt;
}

}  // namespace

json::object public_jwk(const SigningKey& key) {
  if (!is_asymmetric(key.alg) || key_mismatch(key.pkey.get(), key.alg)) return {};
  auto jwk = public_members(key);
  if (!jwk) {
    ERR_clear_error();
    return {};
  }
  (*jwk)["kid"] = key.kid;
  (*jwk)["alg"] = alg_name(key.alg);
  (*jwk)["use"] = "sig";
  return std::move(*jwk);
}

}  // namespace latchkey::token
