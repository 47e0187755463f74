#pragma once
// Signs access tokens, and pairs them with the refresh token of a session.
// Non-blocking: signing reads only the keys in memory.
#include <string>
#include <string_view>

#include "auth/context.hpp"
#include "store/records.hpp"

namespace latchkey::auth {

struct TokenPair {
  std::string access_token;
  std::string refresh_token;
  std::string session_id;
  UnixSeconds expires_in = 0;  // access token lifetime, seconds
};

class TokenIssuer {
 public:
  explicit TokenIssuer(const Context& ctx) : ctx_(ctx) {}

  // An access token for `user` in session `session_id`, issued at `iat`.
  std::string access_token(const store::User& user, std::string_view session_id, UnixSeconds iat,
                           std::string jti) const;
  // The access token that goes with `refresh_token` (whose session it names),
  // and the pair. With rotation the jti follows from the refresh token, so a
  // replay within the grace window signs the very same claims.
  TokenPair pair(const store::User& user, std::string refresh_token, UnixSeconds iat) const;

 private:
  Context ctx_;
};

}  // namespace latchkey::auth
