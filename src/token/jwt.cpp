#include "token/jwt.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <optional>

#include "crypto/base64url.hpp"
#include "token/claims.hpp"
#include "token/jws.hpp"

namespace latchkey::token {

namespace json = boost::json;
using crypto::base64url_decode;
using crypto::base64url_encode;

namespace {

constexpr std::string_view kAccessTyp = "at+jwt";

}  // namespace

std::string_view describe(VerifyError e) {
  switch (e) {
    case VerifyError::malformed: return "malformed token";
    case VerifyError::unsupported_alg: return "algorithm not allowed";
    case VerifyError::forbidden_header: return "token header not allowed";
    case VerifyError::unknown_kid: return "unknown signing key";
    case VerifyError::bad_signature: return "bad signature";
    case VerifyError::expired: return "token expired";
    case VerifyError::not_yet_valid: return "token not yet valid";
    case VerifyError::wrong_type: return "wrong token type";
    case VerifyError::wrong_issuer: return "wrong issuer";
    case VerifyError::wrong_audience: return "wrong audience";
    case VerifyError::missing_claim: return "missing claim";
  }
  return "invalid token";
}

bool looks_like_jwt(std::string_view text) {
  return std::count(text.begin(), text.end(), '.') == 2;
}

std::string sign_access_token(const AccessClaims& c, const SigningKey& key) {
  json::object header;
  header["alg"] = alg_name(key.alg);
  header["typ"] = kAccessTyp;
  header["kid"] = key.kid;

  json::object payload;
  payload["iss"] = c.iss;
  payload["sub"] = c.sub;
  payload["aud"] = c.aud;
  payload["exp"] = c.exp;
  payload["iat"] = c.iat;
  payload["jti"] = c.jti;
  payload["sid"] = c.sid;
  payload["type"] = "access";
  if (!c.username.empty()) payload["preferred_username"] = c.username;
  if (!c.client_id.empty()) payload["client_id"] = c.client_id;
  if (!c.scope.empty()) payload["scope"] = c.scope;
  if (!c.sso_sid.empty()) payload["sso_sid"] = c.sso_sid;

  std::string out = base64url_encode(json::serialize(header));
  out += '.';
  out += base64url_encode(json::serialize(payload));
  std::string sig = sign_signature(key, out);
  out += '.';
  out += base64url_encode(sig);
  return out;
}

tl::expected<AccessClaims, VerifyError> verify_access_token(std::string_view jwt,
                                                            const KeySet& keys,
                                                            const VerifyPolicy& policy,
                                                            UnixSeconds now) {
  using E = VerifyError;
  if (jwt.empty() || jwt.size() > kMaxTokenLength) return tl::unexpected(E::malformed);
  const auto dot1 = jwt.find('.');
  if (dot1 == std::string_view::npos) return tl::unexpected(E::malformed);
  const auto dot2 = jwt.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || jwt.find('.', dot2 + 1) != std::string_view::npos)
    return tl::unexpected(E::malformed);
  const std::string_view signing_input = jwt.substr(0, dot2);
  const std::string_view header_part = jwt.substr(0, dot1);
  const std::string_view payload_part = jwt.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view sig_part = jwt.substr(dot2 + 1);

  auto header = decode_json_part(header_part);
  if (!header) return tl::unexpected(E::malformed);
  for (std::string_view h : {"jku", "jwk", "x5u", "x5c", "crit"}) {
    if (header->contains(h)) return tl::unexpected(E::forbidden_header);
  }
  const json::string* alg_text = string_claim(*header, "alg");
  if (!alg_text) return tl::unexpected(E::malformed);
  auto alg = alg_from_name(*alg_text);
  if (!alg) return tl::unexpected(E::unsupported_alg);
  const json::string* kid = string_claim(*header, "kid");
  if (!kid) return tl::unexpected(E::unknown_kid);
  const SigningKey* key = keys.find(*kid);
  if (!key) return tl::unexpected(E::unknown_kid);
  if (key->alg != *alg) return tl::unexpected(E::unsupported_alg);

  auto sig = base64url_decode(sig_part);
  if (!sig || sig->empty()) return tl::unexpected(E::malformed);
  if (!verify_signature(*key, signing_input, *sig)) return tl::unexpected(E::bad_signature);

  // Only now, with an authentic token, do the claims mean anything.
  const json::string* typ = string_claim(*header, "typ");
  if (!typ || !(*typ == kAccessTyp || *typ == "application/at+jwt"))
    return tl::unexpected(E::wrong_type);

  auto payload = decode_json_part(payload_part);
  if (!payload) return tl::unexpected(E::malformed);

  AccessClaims c;
  const json::string* iss = string_claim(*payload, "iss");
  const json::string* sub = string_claim(*payload, "sub");
  const json::string* sid = string_claim(*payload, "sid");
  const json::string* jti = string_claim(*payload, "jti");
  auto exp = time_claim(*payload, "exp");
  auto iat = time_claim(*payload, "iat");
  if (!iss || !sub || !sid || !jti || !exp || !iat) return tl::unexpected(E::missing_claim);
  if (*iss != policy.issuer) return tl::unexpected(E::wrong_issuer);
  if (!audience_holds(*payload, policy.audience)) return tl::unexpected(E::wrong_audience);
  // exp is the token's (up to INT64_MAX): compare without adding to it.
  if (!policy.ignore_expiry && now - policy.leeway > *exp) return tl::unexpected(E::expired);
  if (*iat > now + policy.leeway) return tl::unexpected(E::not_yet_valid);
  if (auto nbf = time_claim(*payload, "nbf"); nbf && *nbf > now + policy.leeway)
    return tl::unexpected(E::not_yet_valid);

  c.iss = *iss;
  c.aud = policy.audience;
  c.sub = *sub;
  c.sid = *sid;
  c.jti = *jti;
  c.exp = *exp;
  c.iat = *iat;
  if (const json::string* name = string_claim(*payload, "preferred_username")) c.username = *name;
  if (const json::string* v = string_claim(*payload, "client_id")) c.client_id = *v;
  if (const json::string* v = string_claim(*payload, "scope")) c.scope = *v;
  if (const json::string* v = string_claim(*payload, "sso_sid")) c.sso_sid = *v;
  return c;
}

}  // namespace latchkey::token
