#include "token/claims.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include <boost/json.hpp>

#include "crypto/base64url.hpp"

namespace latchkey::token {

namespace json = boost::json;

std::optional<json::object> decode_json_part(std::string_view part) {
  auto raw = crypto::base64url_decode(part);
  if (!raw) return std::nullopt;
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 8;
  json::value v = json::parse(*raw, ec, {}, opts);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
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
