#pragma once
// Reading a JWT's parts and claims (RFC 7519), the same for every kind of
// token we verify: access tokens (jwt.cpp) and the compact JWS of ID tokens,
// logout tokens and client assertions (compact_jws.cpp).
#include <optional>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include "util/time.hpp"

namespace latchkey::token {

// A header or payload: base64url of a JSON object nested at most 8 deep;
// nullopt for anything else.
std::optional<boost::json::object> decode_json_part(std::string_view part);

// A string member, or null when absent or not a string.
const boost::json::string* string_claim(const boost::json::object& o, std::string_view name);

// A NumericDate member (RFC 7519 section 2): an integer, or a number with
// an integral value in range; nullopt when absent or anything else.
std::optional<UnixSeconds> time_claim(const boost::json::object& o, std::string_view name);

// Whether "aud" is `want`, or an array holding it (RFC 7519 section 4.1.3).
bool audience_holds(const boost::json::object& payload, std::string_view want);

}  // namespace latchkey::token
