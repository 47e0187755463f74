#pragma once
// Signs access tokens, and pairs them with the refresh token of a session.
// Non-blocking: signing reads only the keys in memory.
#include <string>
#include <string_view>

#include "auth/context.hpp"
#include "store/records.hpp"

namespace latchkey::auth {

// What an OAuth client's session adds to its access tokens (RFC 9068
// section 2.2): empty for the sessions of /login and the hosted login.
struct TokenGrant {
  std::string client_id;
  std::string scope;
  std::string sso_sid;  // the browser session the client's session came from
};

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
                           std::string jti, const TokenGrant& grant = {}) const;
  // A client_credentials token (RFC 6749 4.4): `sub` is the client, no
  // session, no user; RFC 9068's `client_id` and `scope`.
  std::string service_token(std::string_view client_id, std::string_view scope, UnixSeconds iat) const;
  // The access token of session `session_id` that goes with
  // `refresh_token` (empty: a session without one), and the pair. With
  // rotation the jti follows from the refresh token, so a replay within the
  // grace window signs the very same claims. `now`: the request's one clock
  // read (expires_in is what is left of the token's life then: its whole
  // lifetime, but for a replay's token, issued at the first use).
  TokenPair pair(const store::User& user, std::string_view session_id, std::string refresh_token, UnixSeconds iat,
                 UnixSeconds now, const TokenGrant& grant = {}) const;

 private:
  Context ctx_;
};

}  // namespace latchkey::auth
