#include "api/error_answers.hpp"

#include "http/router.hpp"

namespace latchkey::api {

namespace {

using auth::AuthError;

struct Wording {
  std::string_view code;
  std::string_view message;
  std::string_view description;  // RFC 6750 error_description for token failures
};

Wording wording(AuthError e) {
  switch (e) {
    case AuthError::credentials_required: return {"invalid_request", "Username and password are required", {}};
    case AuthError::username_invalid: return {"invalid_username", {}, {}};  // from the limits
    case AuthError::password_too_short: return {"weak_password", "Password is too short", {}};
    case AuthError::password_too_long: return {"invalid_password", {}, {}};  // from the limits
    case AuthError::password_common: return {"weak_password", "Password is too common; choose another", {}};
    case AuthError::password_is_username: return {"weak_password", "Password must not be the username", {}};
    case AuthError::username_taken: return {"user_exists", "User already exists", {}};
    case AuthError::passwords_required:
      return {"invalid_request", "current_password and new_password are required", {}};
    case AuthError::invalid_credentials: return {"invalid_credentials", "Invalid credentials", {}};
    case AuthError::token_missing: return {"token_missing", "Token is missing", {}};
    case AuthError::token_invalid: return {"invalid_token", "Invalid token", "invalid token"};
    case AuthError::token_expired: return {"token_expired", "Token has expired", "token expired"};
    case AuthError::token_wrong_type: return {"invalid_token_type", "Invalid token type", "wrong token type"};
    case AuthError::session_ended: return {"token_revoked", "Token has been revoked", "session ended"};
    case AuthError::token_reused:
      return {"token_reused", "Refresh token was already used; the session has been ended", "refresh token reused"};
    case AuthError::token_mismatch: return {"token_mismatch", "Refresh token mismatch", {}};
    case AuthError::session_not_found: return {"session_not_found", "Session not found", {}};
    case AuthError::account_disabled: return {"account_disabled", "Account is disabled", {}};
    case AuthError::user_not_found: return {"user_not_found", "User not found", {}};
    case AuthError::ip_invalid: return {"invalid_request", "ip must be an IPv4 or IPv6 address", {}};
    case AuthError::rate_limited: return {"rate_limited", "Too many requests; retry later", {}};
    case AuthError::password_required: return {"password_required", "password is required to confirm this change", {}};
    case AuthError::mfa_code_required: return {"invalid_request", "totp_code or recovery_code is required", {}};
    case AuthError::mfa_code_invalid: return {"invalid_mfa_code", "Invalid code", {}};
    case AuthError::mfa_token_invalid:
      return {"invalid_mfa_token", "This sign-in step has expired or was already used; sign in again", {}};
    case AuthError::totp_unavailable:
      return {"totp_unavailable", "Authenticator apps are not available on this server", {}};
    case AuthError::factor_exists: return {"factor_exists", "An authenticator is already set up; remove it first", {}};
    case AuthError::factor_not_found: return {"factor_not_found", "No authenticator is set up", {}};
    case AuthError::passkey_invalid: return {"invalid_passkey", "The passkey could not be verified", {}};
    case AuthError::passkey_exists: return {"passkey_exists", "This passkey is registered already", {}};
    case AuthError::passkeys_unavailable: return {"passkeys_unavailable", "Passkeys are not available on this server", {}};
    case AuthError::email_invalid: return {"invalid_email", "This is not a valid email address", {}};
    case AuthError::email_unverified:
      return {"email_unverified", "Verify your email address first: a new link was sent to it", {}};
    case AuthError::email_token_invalid:
      return {"invalid_email_token", "This link is invalid, expired or already used; ask for a new one", {}};
    case AuthError::reset_token_invalid:
      return {"invalid_reset_token", "This reset link is invalid, expired or already used; ask for a new one", {}};
    case AuthError::email_taken: return {"email_taken", "This address belongs to another account", {}};
    case AuthError::mail_unavailable: return {"mail_unavailable", "Email is not available on this server", {}};
    case AuthError::no_email: return {"no_email", "The account has no email address", {}};
    case AuthError::email_already_verified: return {"email_already_verified", "The address is verified already", {}};
    case AuthError::second_factor_required:
      return {"mfa_code_required", "This account has a second factor: give totp_code or recovery_code", {}};
    case AuthError::unavailable:
      return {"unavailable", "Service temporarily unavailable, try again shortly", {}};
    case AuthError::internal: return {"internal_error", "Internal server error", {}};
  }
  return {"internal_error", "Internal server error", {}};
}

}  // namespace

unsigned status_of(auth::ErrorKind kind) {
  switch (kind) {
    case auth::ErrorKind::invalid_input: return 400;
    case auth::ErrorKind::unauthenticated: return 401;
    case auth::ErrorKind::forbidden: return 403;
    case auth::ErrorKind::not_found: return 404;
    case auth::ErrorKind::conflict: return 409;
    case auth::ErrorKind::exhausted: return 429;
    case auth::ErrorKind::unavailable: return 503;
    case auth::ErrorKind::internal: return 500;
  }
  return 500;
}

ErrorAnswers::ErrorAnswers(std::size_t max_username_chars, std::size_t max_password_bytes)
    : username_invalid_("Username must be 1 to " + std::to_string(max_username_chars) +
                        " characters with no control characters"),
      password_too_long_("Password must be at most " + std::to_string(max_password_bytes) + " bytes") {}

http::Response ErrorAnswers::operator()(AuthError e) const {
  const Wording w = wording(e);
  std::string_view message = w.message;
  if (e == AuthError::username_invalid) message = username_invalid_;
  if (e == AuthError::password_too_long) message = password_too_long_;
  const unsigned status = status_of(auth::kind_of(e));
  http::Response r = http::json_error(status, w.code, message);
  if (status == 401) {
    std::string challenge = "Bearer realm=\"latchkey\"";
    if (!w.description.empty()) {
      challenge += ", error=\"invalid_token\", error_description=\"";
      challenge += w.description;
      challenge += '"';
    }
    r.headers.emplace_back("WWW-Authenticate", std::move(challenge));
  }
  if (status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace latchkey::api
