#include "oidc/client_assertion.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <memory>

#include <boost/json.hpp>

#include "token/compact_jws.hpp"
#include "token/jwk.hpp"
#include "token/jws.hpp"

namespace latchkey::oidc {

namespace json = boost::json;

namespace {

tl::unexpected<OAuthError> refuse(std::string_view why) {
  return tl::unexpected(OAuthError::make(OAuthErrorCode::invalid_client, why));
}

// The algorithms a client may sign with, and the JWK key type of each.
struct AlgInfo {
  std::string_view name;
  std::string_view kty;
};
constexpr AlgInfo kAlgs[] = {{"RS256", "RSA"}, {"PS256", "RSA"}, {"ES256", "EC"}, {"EdDSA", "OKP"}};

bool member_is(const json::object& o, std::string_view name, std::string_view want) {
  const json::string* v = token::string_claim(o, name);
  return v && *v == want;
}

// The JWK to verify with (see the header), or why there is none.
tl::expected<const json::object*, OAuthError> pick_key(const json::object& jwks, const AlgInfo& alg,
                                                       const json::string* kid) {
  auto it = jwks.find("keys");
  if (it == jwks.end() || !it->value().is_array()) return refuse("the client has no usable jwks");
  std::vector<const json::object*> fits;
  for (const json::value& v : it->value().get_array()) {
    if (!v.is_object()) continue;
    const json::object& k = v.get_object();
    if (!member_is(k, "kty", alg.kty)) continue;
    if (k.contains("use") && !member_is(k, "use", "sig")) continue;
    if (k.contains("alg") && !member_is(k, "alg", alg.name)) continue;
    if (kid && !member_is(k, "kid", *kid)) continue;
    fits.push_back(&k);
  }
  if (fits.empty())
    return refuse(kid ? "no key of the client's jwks has this kid and alg" : "no key of the client's jwks fits this alg");
  // Two keys under one kid: the first, as a JWKS lookup by kid would.
  if (!kid && fits.size() > 1) return refuse("the client's jwks has several keys for this alg: name one with kid");
  return fits.front();
}

// RSASSA-PSS with SHA-256, MGF1 with SHA-256 and a 32-byte salt (RFC 7518
// section 3.5), by OpenSSL; jws.hpp knows only the algorithms we sign with.
bool verify_ps256(EVP_PKEY* pkey, std::string_view input, std::string_view sig) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, pkey) == 1 &&
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1 &&
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}

tl::expected<void, OAuthError> check_signature(const token::CompactJws& jws, const json::object& client_jwks) {
  const json::string* alg_text = token::string_claim(jws.header, "alg");
  if (!alg_text) return refuse("the client assertion's header has no alg");
  const AlgInfo* alg = nullptr;
  for (const AlgInfo& a : kAlgs) {
    if (a.name == *alg_text) alg = &a;
  }
  // "none" and HS*: a client assertion proves a private key, never a secret.
  if (!alg) return refuse("the client assertion's alg must be RS256, PS256, ES256 or EdDSA");
  if (jws.header.contains("kid") && !token::string_claim(jws.header, "kid"))
    return refuse("the client assertion's kid must be a string");
  auto jwk = pick_key(client_jwks, *alg, token::string_claim(jws.header, "kid"));
  if (!jwk) return tl::unexpected(jwk.error());
  // The JWK's own alg was matched above; key_from_jwk knows RSA keys as RS256
  // only, so a PS256 one is read without it.
  json::object plain = **jwk;
  plain.erase("alg");
  auto key = token::key_from_jwk(plain, "client");
  if (!key || !key->pkey) return refuse("the client's key for this alg cannot be read");
  const bool ok = alg->name == "PS256" ? verify_ps256(key->pkey.get(), jws.signing_input, jws.signature)
                                       : token::verify_signature(*key, jws.signing_input, jws.signature);
  if (!ok) return refuse("the client assertion's signature does not verify");
  return {};
}

bool audience_ok(const json::object& payload, const std::vector<std::string>& audiences) {
  return std::any_of(audiences.begin(), audiences.end(),
                     [&](const std::string& a) { return !a.empty() && token::audience_holds(payload, a); });
}

}  // namespace

tl::expected<Assertion, OAuthError> verify_client_assertion(std::string_view assertion, std::string_view client_id,
                                                            const json::object& client_jwks,
                                                            const std::vector<std::string>& audiences,
                                                            UnixSeconds now, UnixSeconds leeway) {
  auto jws = token::parse_compact_jws(assertion, kMaxAssertion);
  if (!jws) {
    return refuse(jws.error() == token::VerifyError::forbidden_header
                      ? "the client assertion's header may not carry jku, jwk, x5u, x5c or crit"
                      : "the client assertion is not a signed JWT");
  }
  if (auto signed_ok = check_signature(*jws, client_jwks); !signed_ok) return tl::unexpected(signed_ok.error());

  const json::object& p = jws->payload;
  const json::string* iss = token::string_claim(p, "iss");
  const json::string* sub = token::string_claim(p, "sub");
  // RFC 7523 3: iss and sub are both the client (B.1, 3.1 of OIDC Core 9).
  if (!iss || !sub || *iss != client_id || *sub != client_id)
    return refuse("the client assertion's iss and sub must both be the client_id");
  if (!audience_ok(p, audiences)) return refuse("the client assertion's aud must name this server");
  auto exp = token::time_claim(p, "exp");
  if (!exp) return refuse("the client assertion has no exp");
  // Compared without adding to the token's values (exp may be INT64_MAX).
  if (now - leeway > *exp) return refuse("the client assertion has expired");
  if (*exp - now > kMaxAssertionLifetime + leeway)
    return refuse("the client assertion lives too long: exp at most 10 minutes ahead");
  for (std::string_view claim : {"iat", "nbf"}) {
    if (!p.contains(claim)) continue;
    auto t = token::time_claim(p, claim);
    if (!t) return refuse("the client assertion's " + std::string(claim) + " is not a time");
    if (*t > now + leeway) return refuse("the client assertion is not valid yet");
  }
  const json::string* jti = token::string_claim(p, "jti");
  if (!jti || jti->empty() || jti->size() > kMaxJti)
    return refuse("the client assertion needs a jti of at most 256 bytes");
  return Assertion{std::string(*jti), *exp};
}

}  // namespace latchkey::oidc
