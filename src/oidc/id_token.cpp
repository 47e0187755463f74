#include "oidc/id_token.hpp"

#include <algorithm>

#include <openssl/evp.h>

#include <boost/json.hpp>

#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"
#include "token/compact_jws.hpp"
#include "token/jws.hpp"

namespace latchkey::oidc {

namespace json = boost::json;

namespace {

std::string sha512(std::string_view data) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len, EVP_sha512(),
                 nullptr) != 1)
    throw std::runtime_error("SHA-512 failed");  // only on allocation failure: a bug
  out.resize(len);
  return out;
}

}  // namespace

std::string sign_id_token(const IdTokenClaims& c, const token::SigningKey& key) {
  json::object p = c.extra;
  p["iss"] = c.iss;
  p["sub"] = c.sub;
  p["aud"] = c.aud;
  p["iat"] = c.iat;
  p["exp"] = c.exp;
  // Absent rather than empty: an empty claim means something else to a
  // relying party (a nonce of "" would be compared, and fail).
  for (std::string_view k : {"azp", "nonce", "sid", "acr", "amr", "auth_time", "at_hash"}) p.erase(k);
  if (!c.azp.empty()) p["azp"] = c.azp;
  if (c.nonce) p["nonce"] = *c.nonce;
  if (!c.sid.empty()) p["sid"] = c.sid;
  if (!c.acr.empty()) p["acr"] = c.acr;
  if (!c.amr.empty()) {
    json::array amr;
    for (const auto& m : c.amr) amr.emplace_back(m);
    p["amr"] = std::move(amr);
  }
  if (c.auth_time > 0) p["auth_time"] = c.auth_time;
  if (c.at_hash) p["at_hash"] = *c.at_hash;
  return token::sign_compact_jws(json::object{{"typ", "JWT"}}, p, key);
}

std::vector<std::string> id_token_algs(const token::KeySet& keys) {
  std::vector<std::string> algs;
  for (const auto& k : keys.keys()) {
    // Only an algorithm a key signs with now: the set also holds keys that
    // only verify (retired after a change of JWT_ALG, or published ahead).
    if (!token::is_asymmetric(k.alg) || keys.signer(k.alg) == nullptr) continue;
    std::string name(token::alg_name(k.alg));
    if (std::find(algs.begin(), algs.end(), name) == algs.end()) algs.push_back(std::move(name));
  }
  return algs;
}

std::string at_hash(std::string_view access_token, token::Alg alg) {
  const std::string digest = alg == token::Alg::EdDSA ? sha512(access_token) : crypto::sha256(access_token);
  return crypto::base64url_encode(std::string_view(digest).substr(0, digest.size() / 2));
}

tl::expected<HintClaims, token::VerifyError> verify_id_token_hint(std::string_view jwt, const token::KeySet& keys,
                                                                  std::string_view issuer, UnixSeconds now,
                                                                  UnixSeconds leeway) {
  using E = token::VerifyError;
  auto jws = token::parse_compact_jws(jwt);
  if (!jws) return tl::unexpected(jws.error());
  const json::string* alg_text = token::string_claim(jws->header, "alg");
  if (!alg_text) return tl::unexpected(E::malformed);
  auto alg = token::alg_from_name(*alg_text);
  if (!alg) return tl::unexpected(E::unsupported_alg);
  const json::string* kid = token::string_claim(jws->header, "kid");
  const token::SigningKey* key = kid ? keys.find(*kid) : nullptr;
  if (!key) return tl::unexpected(E::unknown_kid);
  // The key decides the algorithm, never the token (RFC 8725 section 3.1).
  if (key->alg != *alg) return tl::unexpected(E::unsupported_alg);
  if (!token::verify_signature(*key, jws->signing_input, jws->signature)) return tl::unexpected(E::bad_signature);

  // Authentic: now the claims mean something. Our access tokens (at+jwt)
  // and logout tokens (logout+jwt) are signed by the same keys, and must
  // not pass for an ID token.
  if (jws->header.contains("typ")) {
    const json::string* typ = token::string_claim(jws->header, "typ");
    if (!typ || *typ != "JWT") return tl::unexpected(E::wrong_type);
  }
  const json::object& p = jws->payload;
  const json::string* iss = token::string_claim(p, "iss");
  const json::string* sub = token::string_claim(p, "sub");
  if (!iss || !sub || !p.contains("aud")) return tl::unexpected(E::missing_claim);
  if (*iss != issuer) return tl::unexpected(E::wrong_issuer);
  const json::value& aud = p.at("aud");
  const json::value* one = aud.is_array() && aud.get_array().size() == 1 ? &aud.get_array()[0] : &aud;
  if (!one->is_string()) return tl::unexpected(E::wrong_audience);
  if (auto iat = token::time_claim(p, "iat"); iat && *iat > now + leeway) return tl::unexpected(E::not_yet_valid);
  HintClaims out{std::string(*sub), std::string(one->get_string()), {}};
  if (const json::string* sid = token::string_claim(p, "sid")) out.sid = *sid;
  return out;
}

}  // namespace latchkey::oidc
