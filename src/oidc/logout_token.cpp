#include "oidc/logout_token.hpp"

#include <stdexcept>

#include <boost/json.hpp>

#include "crypto/random.hpp"
#include "token/compact_jws.hpp"

namespace latchkey::oidc {

namespace json = boost::json;

LogoutToken sign_logout_token(const LogoutClaims& c, const token::SigningKey& key) {
  if (c.sub.empty() && c.sid.empty()) throw std::invalid_argument("a logout token needs sub or sid");
  LogoutToken out{{}, crypto::random_token(16)};
  json::object p{{"iss", c.iss},
                 {"aud", c.aud},
                 {"iat", c.iat},
                 {"exp", c.iat + kLogoutTokenLifetime},
                 {"jti", out.jti},
                 {"events", json::object{{kBackchannelLogoutEvent, json::object{}}}}};
  if (!c.sub.empty()) p["sub"] = c.sub;
  if (!c.sid.empty()) p["sid"] = c.sid;
  out.jwt = token::sign_compact_jws(json::object{{"typ", "logout+jwt"}}, p, key);
  return out;
}

}  // namespace latchkey::oidc
