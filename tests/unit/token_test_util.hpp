#pragma once
// Claims, policy and token surgery shared by the token tests.
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "crypto/base64url.hpp"
#include "token/jwt.hpp"

namespace latchkey::token::testing {

inline constexpr UnixSeconds kNow = 1'800'000'000;

inline AccessClaims claims() {
  AccessClaims c;
  c.iss = "http://127.0.0.1:5000";
  c.aud = "latchkey";
  c.sub = "user-1";
  c.username = "alice";
  c.sid = "session-1";
  c.jti = "jti-1";
  c.iat = kNow;
  c.exp = kNow + 900;
  return c;
}

inline VerifyPolicy policy() {
  return VerifyPolicy{"http://127.0.0.1:5000", "latchkey", 30, false};
}

// The three parts of a compact JWS.
struct Parts {
  std::string header, payload, signature;
};

inline Parts split(std::string_view jwt) {
  const auto d1 = jwt.find('.');
  const auto d2 = jwt.rfind('.');
  return {std::string(jwt.substr(0, d1)), std::string(jwt.substr(d1 + 1, d2 - d1 - 1)),
          std::string(jwt.substr(d2 + 1))};
}

inline std::string join(const Parts& p) { return p.header + "." + p.payload + "." + p.signature; }

inline std::string b64(std::string_view bytes) { return crypto::base64url_encode(bytes); }

inline std::string unb64(std::string_view text) {
  return crypto::base64url_decode(text).value_or("<not base64url>");
}

}  // namespace latchkey::token::testing
