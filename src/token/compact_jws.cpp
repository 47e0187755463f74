#include "token/compact_jws.hpp"

#include <boost/json.hpp>

#include "crypto/base64url.hpp"
#include "token/jws.hpp"

namespace latchkey::token {

namespace json = boost::json;

tl::expected<CompactJws, VerifyError> parse_compact_jws(std::string_view jws, std::size_t max_length) {
  using E = VerifyError;
  if (jws.empty() || jws.size() > max_length) return tl::unexpected(E::malformed);
  const auto dot1 = jws.find('.');
  if (dot1 == std::string_view::npos) return tl::unexpected(E::malformed);
  const auto dot2 = jws.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || jws.find('.', dot2 + 1) != std::string_view::npos)
    return tl::unexpected(E::malformed);
  auto header = decode_json_part(jws.substr(0, dot1));
  if (!header) return tl::unexpected(E::malformed);
  for (std::string_view h : {"jku", "jwk", "x5u", "x5c", "crit"}) {
    if (header->contains(h)) return tl::unexpected(E::forbidden_header);
  }
  auto payload = decode_json_part(jws.substr(dot1 + 1, dot2 - dot1 - 1));
  auto sig = crypto::base64url_decode(jws.substr(dot2 + 1));
  if (!payload || !sig || sig->empty()) return tl::unexpected(E::malformed);
  return CompactJws{std::move(*header), std::move(*payload), jws.substr(0, dot2), std::move(*sig)};
}

std::string sign_compact_jws(json::object header, const json::object& payload, const SigningKey& key) {
  header["alg"] = alg_name(key.alg);
  header["kid"] = key.kid;
  std::string out = crypto::base64url_encode(json::serialize(header));
  out += '.';
  out += crypto::base64url_encode(json::serialize(payload));
  const std::string sig = sign_signature(key, out);
  out += '.';
  out += crypto::base64url_encode(sig);
  return out;
}

}  // namespace latchkey::token
