#pragma once
// What services ask of a token they were handed: whether it is live right
// now (RFC 7662 introspection, checked against the database so that a
// logout anywhere shows at once), and ending its session (RFC 7009
// revocation). Both blocking (store).
#include <string>
#include <string_view>

#include "auth/authenticator.hpp"
#include "auth/context.hpp"
#include "auth/errors.hpp"

namespace latchkey::auth {

// What introspection tells about a token.
struct Introspection {
  bool active = false;
  std::string token_type;  // "access_token" or "refresh_token"
  std::string sub;
  std::string username;
  std::string sid;
  std::string jti;
  UnixSeconds iat = 0;
  UnixSeconds exp = 0;
};

class TokenIntrospection {
 public:
  TokenIntrospection(const Context& ctx, const Authenticator& authenticator)
      : ctx_(ctx), authenticator_(authenticator), policy_(ctx.verify_policy()) {}

  Expected<Introspection> introspect(std::string_view token);
  // Ends the session of an access or refresh token; unknown tokens are not an
  // error (RFC 7009).
  Expected<void> revoke(std::string_view token, const Client& client = {});

 private:
  Expected<Introspection> introspect_refresh(std::string_view token, UnixSeconds now);

  Context ctx_;
  const Authenticator& authenticator_;
  token::VerifyPolicy policy_;
};

}  // namespace latchkey::auth
