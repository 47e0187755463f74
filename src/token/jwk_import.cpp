#include "token/jwk.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <deque>
#include <optional>
#include <vector>

#include <boost/json.hpp>

#include "crypto/base64url.hpp"
#include "token/key_material.hpp"
#include "token/ossl_handles.hpp"

namespace latchkey::token {

// key_from_jwk: the JWK's members -> OSSL_PARAMs -> EVP_PKEY_fromdata, then
// OpenSSL's own key checks.

namespace json = boost::json;
using crypto::base64url_decode;

namespace {

using Fail = tl::unexpected<std::string>;

Fail fail(std::string why) {
  ERR_clear_error();
  return Fail(std::move(why));
}

const json::string* member(const json::object& o, std::string_view name) {
  auto it = o.find(name);
  return it != o.end() && it->value().is_string() ? &it->value().get_string() : nullptr;
}

// A base64url member; nullopt when absent, an error when not decodable or,
// with `size` > 0, not exactly that many bytes.
tl::expected<std::optional<std::string>, std::string> bytes_member(const json::object& o,
                                                                   std::string_view name,
                                                                   std::size_t size = 0) {
  if (!o.contains(name)) return std::nullopt;
  const json::string* text = member(o, name);
  if (!text) return Fail("JWK member " + std::string(name) + " is not a string");
  auto raw = base64url_decode(*text);
  if (!raw || raw->empty() || (size > 0 && raw->size() != size))
    return Fail("JWK member " + std::string(name) + " is malformed");
  return raw;
}

// Collects OSSL_PARAMs. The builder only points at values until build(), so
// the list keeps its own copies of them (deque: stable addresses).
class ParamList {
 public:
  ParamList() : bld_(OSSL_PARAM_BLD_new()) {}

  void text(const char* key, std::string value) {
    const std::string& kept = texts_.emplace_back(std::move(value));
    ok_ = ok_ && bld_ && OSSL_PARAM_BLD_push_utf8_string(bld_.get(), key, kept.c_str(), 0) == 1;
  }
  void octets(const char* key, std::string value) {
    const std::string& kept = texts_.emplace_back(std::move(value));
    ok_ = ok_ && bld_ &&
          OSSL_PARAM_BLD_push_octet_string(bld_.get(), key, kept.data(), kept.size()) == 1;
  }
  // `value`: unsigned big-endian.
  void number(const char* key, const std::string& value) {
    ossl::Bignum bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(value.data()),
                              static_cast<int>(value.size()), nullptr));
    ok_ = ok_ && bld_ && bn && OSSL_PARAM_BLD_push_BN(bld_.get(), key, bn.get()) == 1;
    bns_.push_back(std::move(bn));
  }
  ossl::Params build() {
    return ok_ && bld_ ? ossl::Params(OSSL_PARAM_BLD_to_param(bld_.get())) : ossl::Params();
  }

 private:
  ossl::ParamBuilder bld_;
  std::deque<std::string> texts_;
  std::vector<ossl::Bignum> bns_;
  bool ok_ = true;
};

// EVP_PKEY_fromdata, then OpenSSL's own validation of what was imported.
tl::expected<PKey, std::string> import(const char* type, ParamList& params, bool has_private) {
  ossl::Params built = params.build();
  ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!built || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, has_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        built.get()) != 1)
    return fail(std::string("JWK is not a valid ") + type + " key");
  PKey key = adopt_pkey(raw);
  ossl::PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  const int verdict = !check        ? 0
                      : has_private ? EVP_PKEY_pairwise_check(check.get())
                                    : EVP_PKEY_public_check(check.get());
  if (verdict != 1) return fail(std::string("JWK fails the ") + type + " key check");
  return key;
}

tl::expected<PKey, std::string> ec_key(const json::object& jwk) {
  const json::string* crv = member(jwk, "crv");
  if (!crv || *crv != "P-256") return fail("EC JWK is not on P-256");
  auto x = bytes_member(jwk, "x", kP256Bytes);
  auto y = bytes_member(jwk, "y", kP256Bytes);
  auto d = bytes_member(jwk, "d", kP256Bytes);
  if (!x || !y || !d) return Fail(!x ? x.error() : !y ? y.error() : d.error());
  if (!*x || !*y) return fail("EC JWK without x and y");
  ParamList params;
  params.text(OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1");
  params.octets(OSSL_PKEY_PARAM_PUB_KEY, "\x04" + **x + **y);  // an uncompressed point
  if (*d) params.number(OSSL_PKEY_PARAM_PRIV_KEY, **d);
  return import("EC", params, d->has_value());
}

tl::expected<PKey, std::string> okp_key(const json::object& jwk) {
  const json::string* crv = member(jwk, "crv");
  if (!crv || *crv != "Ed25519") return fail("OKP JWK is not Ed25519");
  auto x = bytes_member(jwk, "x", kEd25519Bytes);
  auto d = bytes_member(jwk, "d", kEd25519Bytes);
  if (!x || !d) return Fail(!x ? x.error() : d.error());
  if (!*x) return fail("OKP JWK without x");
  ParamList params;
  params.octets(OSSL_PKEY_PARAM_PUB_KEY, **x);
  if (*d) params.octets(OSSL_PKEY_PARAM_PRIV_KEY, **d);
  return import("ED25519", params, d->has_value());
}

tl::expected<PKey, std::string> rsa_key(const json::object& jwk) {
  if (jwk.contains("oth")) return fail("multi-prime RSA JWKs are not supported");
  struct Field {
    const char* jwk_name;
    const char* param;
  };
  static constexpr Field kPublic[] = {{"n", OSSL_PKEY_PARAM_RSA_N}, {"e", OSSL_PKEY_PARAM_RSA_E}};
  static constexpr Field kPrivate[] = {
      {"d", OSSL_PKEY_PARAM_RSA_D},          {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
      {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},    {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
      {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2}, {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1}};
  ParamList params;
  for (const Field& f : kPublic) {
    auto v = bytes_member(jwk, f.jwk_name);
    if (!v) return Fail(v.error());
    if (!*v) return fail(std::string("RSA JWK without ") + f.jwk_name);
    params.number(f.param, **v);
  }
  // All private members, or none: OpenSSL checks a private key by its factors.
  std::size_t present = 0;
  for (const Field& f : kPrivate) {
    auto v = bytes_member(jwk, f.jwk_name);
    if (!v) return Fail(v.error());
    if (*v) {
      ++present;
      params.number(f.param, **v);
    }
  }
  if (present != 0 && present != std::size(kPrivate))
    return fail("RSA private JWK needs all of d, p, q, dp, dq, qi");
  return import("RSA", params, present != 0);
}

}  // namespace

tl::expected<SigningKey, std::string> key_from_jwk(const json::object& jwk, std::string kid) {
  const json::string* kty = member(jwk, "kty");
  if (!kty) return fail("JWK without kty");
  Alg alg;
  if (*kty == "EC")
    alg = Alg::ES256;
  else if (*kty == "OKP")
    alg = Alg::EdDSA;
  else if (*kty == "RSA")
    alg = Alg::RS256;
  else if (*kty == "oct")
    alg = Alg::HS256;
  else
    return fail("unsupported JWK kty " + std::string(*kty));
  if (jwk.contains("alg")) {
    const json::string* named = member(jwk, "alg");
    if (!named || *named != alg_name(alg)) return fail("JWK alg does not match its key type");
  }

  SigningKey key{std::move(kid), alg, {}, 0, nullptr};
  if (alg == Alg::HS256) {
    auto k = bytes_member(jwk, "k");
    if (!k) return Fail(k.error());
    if (!*k) return fail("oct JWK without k");
    key.secret = std::move(**k);
    return key;
  }
  auto pkey = alg == Alg::ES256 ? ec_key(jwk) : alg == Alg::EdDSA ? okp_key(jwk) : rsa_key(jwk);
  if (!pkey) return Fail(pkey.error());
  if (auto why = key_mismatch(pkey->get(), alg)) return fail(*why);
  key.pkey = std::move(*pkey);
  return key;
}

}  // namespace latchkey::token
