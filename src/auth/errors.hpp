#pragma once
// Every expected failure of the auth service. The HTTP layer maps each to
// exactly one status and message (see api/routes.cpp).
#include <string_view>

#include <tl/expected.hpp>

namespace latchkey::auth {

enum class AuthError {
  // input
  credentials_required,  // username or password missing, empty or not a string
  username_invalid,      // too long or has control characters
  password_too_short,
  password_too_long,
  password_common,       // among the 10,000 most common passwords
  password_is_username,
  username_taken,
  passwords_required,    // change_password without current_password or new_password
  // credentials and tokens
  invalid_credentials,  // unknown user or wrong password: indistinguishable
  token_missing,
  token_invalid,     // malformed, forged, unknown key, wrong issuer or audience
  token_expired,
  token_wrong_type,  // access token where a refresh token belongs, or the reverse
  session_ended,     // the token's session was logged out
  token_reused,      // a spent refresh token came back after the grace window: session ended
  token_mismatch,    // header and body carry different refresh tokens
  session_not_found,  // names no live session of the caller
  account_disabled,   // right password, but an administrator disabled the account
  user_not_found,     // administration: no such user
  // the server
  unavailable,  // database down or worker queue full: try again
  internal,
};

template <class T>
using Expected = tl::expected<T, AuthError>;

}  // namespace latchkey::auth
