#pragma once
// The browser's sign-in for single sign-on: a latchkey session of kind
// "browser" (the same model as /login's: listed, ended and audited the same
// way), held by a cookie whose value is a random 256-bit handle. Only the
// handle's digest is stored, so a copy of the database signs no one in.
//
// Ending the session in any way (logout, logout_all, a password change, an
// administrator, reuse detection) ends single sign-on: the next request finds
// it ended. The database then ends the OAuth sessions opened from it and
// queues their clients' back-channel logout (store/logout_store.hpp).
//
// Every method blocks (the store): run it on the database lane.
#include <optional>
#include <string>
#include <string_view>

#include "auth/service.hpp"
#include "mfa/sign_in_step.hpp"
#include "store/records.hpp"

namespace latchkey::oidc {

struct BrowserSession {
  store::Session session;
  store::User user;
  // When the person last entered a credential (OIDC Core's auth_time).
  UnixSeconds auth_time() const { return session.auth_time != 0 ? session.auth_time : session.created_at; }
};

class BrowserSessions {
 public:
  explicit BrowserSessions(auth::Service& service) : service_(service) {}

  // The live session this cookie value holds: nullopt for no handle, an
  // unknown one, and a session ended, expired, idle too long, or whose
  // account is disabled. unavailable when the database is.
  auth::Expected<std::optional<BrowserSession>> find(std::string_view handle);
  // A new browser session for `user`, whose password was just verified by
  // PasswordLogin::verify_login: completes that login with a browser
  // session, and returns the cookie's handle.
  auth::Expected<std::string> open(auth::VerifiedLogin login, const auth::Client& client);
  // The same after a second step passed (mfa/sign_in_step.hpp): the session
  // carries its amr ("pwd otp mfa") and the password's time as auth_time.
  auth::Expected<std::string> open(const mfa::PassedStep& step, mfa::SignInStep& steps, const auth::Client& client);
  // The person entered a credential again in `current` (prompt=login,
  // max_age): auth_time becomes now, which it returns (as stored: the
  // consent form's marker is compared with the stored one).
  auth::Expected<UnixSeconds> reauthenticate(const BrowserSession& current, std::string_view amr);
  // Ends it (RP-initiated logout; a different person signing in).
  auth::Expected<void> end(const BrowserSession& current, const auth::Client& client);

 private:
  auth::Service& service_;
};

}  // namespace latchkey::oidc
