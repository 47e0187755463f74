#pragma once
// The bearer check: an access token in, the caller out. Verifies the
// signature (or finds the token among those verified before), refuses a
// token whose session has ended, and notes the session's use. Non-blocking:
// safe on an I/O thread.
#include <memory>
#include <optional>
#include <string_view>

#include "auth/context.hpp"
#include "auth/errors.hpp"

namespace latchkey::auth {

// The bearer of a valid access token. The views stay valid as long as the
// Principal (or a copy) lives: they point into `token` when it is set, and
// otherwise into strings the caller keeps alive.
struct Principal {
  std::string_view user_id;
  std::string_view username;
  std::string_view session_id;
  std::shared_ptr<const token::VerifiedToken> token;
};

class Authenticator {
 public:
  explicit Authenticator(const Context& ctx);

  Expected<Principal> authenticate(std::string_view access_token);
  // The claims of an authentic access token of ours, expired or not: what
  // names a session to end (a logout, a revocation), never access.
  std::optional<token::AccessClaims> claims_even_if_expired(std::string_view access_token) const;

 private:
  Context ctx_;
  token::VerifyPolicy policy_;  // computed once: a cache miss copies no strings
};

}  // namespace latchkey::auth
