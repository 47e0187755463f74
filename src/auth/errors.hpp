#pragma once
// Every expected failure of the auth jobs, and the kind each belongs to.
// The kind is what an edge maps generically (HTTP status, later RFC 6749
// error codes); the failure itself picks the code and message a client
// sees (see api/error_answers.cpp). Choosing a kind, as absl::Status does:
//   invalid_input    the request is wrong whatever the state (400)
//   unauthenticated  no credential, or one that does not prove who it claims (401)
//   forbidden        the caller is known but may not do this (403)
//   not_found        what the request names does not exist for the caller (404)
//   conflict         the request clashes with what exists (409)
//   exhausted        this client asked too often: an abuse limit (429)
//   unavailable      try again shortly: database down, queue full (503)
//   internal         a bug (500)
#include <string_view>

#include <tl/expected.hpp>

#include "store/result.hpp"

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
  ip_invalid,         // administration: not an IP address
  rate_limited,       // an abuse limit refused the client for a while (abuse/limits.hpp)
  // second factors (mfa/)
  password_required,   // a sensitive change without the fresh credential it needs
  mfa_code_required,   // /login/mfa without a code
  mfa_code_invalid,    // a wrong, reused or malformed code: indistinguishable
  mfa_token_invalid,   // unknown, expired, spent, too many wrong codes, or another caller's
  totp_unavailable,    // the server has no DATA_ENCRYPTION_KEY to seal TOTP secrets
  factor_exists,       // an authenticator is already set up
  factor_not_found,    // no authenticator (or nothing pending) to confirm or remove
  passkey_invalid,     // a WebAuthn ceremony that failed: challenge, origin, signature, counter...
  passkey_exists,      // that credential is registered already
  passkeys_unavailable,  // no relying party: WEBAUTHN_RP_ID unset and the issuer's host an IP address
  // email (email/)
  email_invalid,           // not an address latchkey accepts (mail/address.hpp)
  email_unverified,        // REQUIRE_VERIFIED_EMAIL: right password, address not verified yet
  email_token_invalid,     // a verification link unknown, expired, used or voided
  reset_token_invalid,     // a password reset link unknown, expired, used or voided
  email_taken,             // another account has this address verified
  mail_unavailable,        // no SMTP_URL: the server sends no mail
  no_email,                // the account has no address to verify
  email_already_verified,  // nothing to verify
  second_factor_required,  // a reset of an account with a second factor, without its code
  // the server
  unavailable,  // database down or worker queue full: try again
  internal,
};

enum class ErrorKind { invalid_input, unauthenticated, forbidden, not_found, conflict, exhausted, unavailable, internal };

constexpr ErrorKind kind_of(AuthError e) {
  switch (e) {
    case AuthError::credentials_required:
    case AuthError::username_invalid:
    case AuthError::password_too_short:
    case AuthError::password_too_long:
    case AuthError::password_common:
    case AuthError::password_is_username:
    case AuthError::passwords_required:
    case AuthError::token_mismatch:
    case AuthError::ip_invalid:
    case AuthError::password_required:
    case AuthError::email_invalid:
    case AuthError::email_token_invalid:
    case AuthError::reset_token_invalid:
    case AuthError::no_email:
    case AuthError::mfa_code_required: return ErrorKind::invalid_input;
    case AuthError::second_factor_required:
    case AuthError::mfa_code_invalid:
    case AuthError::passkey_invalid:
    case AuthError::mfa_token_invalid:
    case AuthError::invalid_credentials:
    case AuthError::token_missing:
    case AuthError::token_invalid:
    case AuthError::token_expired:
    case AuthError::token_wrong_type:
    case AuthError::session_ended:
    case AuthError::token_reused: return ErrorKind::unauthenticated;
    case AuthError::account_disabled:
    case AuthError::totp_unavailable:
    case AuthError::email_unverified:
    case AuthError::mail_unavailable:
    case AuthError::passkeys_unavailable: return ErrorKind::forbidden;
    case AuthError::factor_not_found:
    case AuthError::session_not_found:
    case AuthError::user_not_found: return ErrorKind::not_found;
    case AuthError::username_taken:
    case AuthError::factor_exists:
    case AuthError::email_taken:
    case AuthError::email_already_verified:
    case AuthError::passkey_exists: return ErrorKind::conflict;
    case AuthError::rate_limited: return ErrorKind::exhausted;
    case AuthError::unavailable: return ErrorKind::unavailable;
    case AuthError::internal: return ErrorKind::internal;
  }
  return ErrorKind::internal;
}

template <class T>
using Expected = tl::expected<T, AuthError>;

// A store failure as the auth jobs report it: unavailable stays
// unavailable, anything else is a bug. (not_found and conflict mean
// something different to each caller, which maps them itself.)
constexpr AuthError from_store(store::StoreError e) {
  return e == store::StoreError::unavailable ? AuthError::unavailable : AuthError::internal;
}

template <class T>
tl::unexpected<AuthError> store_failure(const store::Result<T>& r) {
  return tl::unexpected(from_store(r.error()));
}

}  // namespace latchkey::auth
