#include "token/compact_jws.hpp"

#include <algorithm>
#include <cmath>

#include <boost/json.hpp>

#include "crypto/base64url.hpp"
#include "token/jws.hpp"

namespace latchkey::token {

namespace json = boost::json;

namespace {

std::optional<json::object> decode_object(std::string_view part) {
  auto raw = crypto::base64url_decode(part);
  if (!raw) return std::nullopt;
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 8;
  json::value v = json::parse(*raw, ec, {}, opts);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

}  // namespace

tl::expected<CompactJws, VerifyError> parse_compact_jws(std::string_view jws, std::size_t max_length) {
  using E = VerifyError;
  if (jws.empty() || jws.size() > max_length) return tl::unexpected(E::malformed);
  const auto dot1 = jws.find('.');
  if (dot1 == std::string_view::npos) return tl::unexpected(E::malformed);
  const auto dot2 = jws.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || jws.find('.', dot2 + 1) != std::string_view::npos)
    return tl::unexpected(E::malformed);
  auto header = decode_object(jws.substr(0, dot1));
  if (!header) return tl::unexpected(E::malformed);
  for (std::string_view h : {"jku", "jwk", "x5u", "x5c", "crit"}) {
    if (header->contains(h)) return tl::unexpected(E::forbidden_header);
  }
  auto payload = decode_object(jws.substr(dot1 + 1, dot2 - dot1 - 1));
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

const json::string* string_claim(const json::object& o, std::string_view name) {
  auto it = o.find(name);
  return it != o.end() && it->value().is_string() ? &it->value().get_string() : nullptr;
}

std::optional<UnixSeconds> time_claim(const json::object& o, std::string_view name) {
  auto it = o.find(name);
  if (it == o.end()) return std::nullopt;
  const json::value& v = it->value();
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<UnixSeconds>(v.get_uint64());
  // 9.2e18 < 2^63: the cast cannot overflow. A fraction is cut (RFC 7519
  // allows fractional seconds; whole ones are all we compare).
  if (v.is_double() && std::isfinite(v.get_double()) && v.get_double() >= -9.2e18 && v.get_double() <= 9.2e18)
    return static_cast<UnixSeconds>(v.get_double());
  return std::nullopt;
}

bool audience_holds(const json::object& payload, std::string_view want) {
  auto it = payload.find("aud");
  if (it == payload.end()) return false;
  const json::value& aud = it->value();
  if (aud.is_string()) return aud.get_string() == want;
  if (!aud.is_array()) return false;
  const json::array& a = aud.get_array();
  return std::any_of(a.begin(), a.end(), [&](const json::value& x) { return x.is_string() && x.get_string() == want; });
}

}  // namespace latchkey::token
