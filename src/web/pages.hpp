#pragma once
// The pages of the hosted login, each a model and a render function giving
// the whole HTML document (layout.html around the page's own template).
// The pages know no OAuth: the caller says where each form posts, passes the
// CSRF token (web/csrf.hpp) and an opaque return_to to bring back, and
// sends the result with web/page_response.hpp.
//
// Every string is escaped on output, so request data (a login hint, a
// username) is safe anywhere in a model. URLs (action, signup_url, ...) are
// the caller's own, never taken from a request: besides escaping, they must
// be a path ("/login") or an http(s) URL, or render_page throws
// std::invalid_argument (no javascript: link can come out of a page).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "web/templates.hpp"

namespace latchkey::web {

// The one message for a failed sign-in: it never says whether the account
// exists, nor which of the two was wrong.
inline constexpr std::string_view kWrongCredentials = "Wrong username or password.";

// The hint under a new password's field: "At least 12 characters." The same
// words on every page that sets a password (sign-up, reset, account).
std::string password_hint(std::size_t min_chars);

// Form fields the pages post besides their own.
inline constexpr std::string_view kCsrfField = "csrf";
inline constexpr std::string_view kReturnToField = "return_to";

struct LoginPage {
  std::string action = {};       // where the form posts
  std::string csrf = {};         // Csrf::token_for(the cookie's binding)
  std::string return_to = {};    // opaque, posted back as is
  std::string client_name = {};  // "to continue to ..." when not empty
  std::string login_hint = {};   // prefills the username (and focuses the password)
  std::string error = {};        // role="alert" when not empty, e.g. kWrongCredentials
  std::string signup_url = {};   // "Create an account" link when not empty
  std::string forgot_url = {};   // "Forgot your password?" link when not empty (mail is on)
  bool passkeys = false;         // "Sign in with a passkey" (and the browser's passkey autofill)
};

struct SignupPage {
  std::string action = {};
  std::string csrf = {};
  std::string return_to = {};
  std::string client_name = {};    // "to continue to ..." when not empty
  std::string username = {};       // prefilled, e.g. after a refused attempt
  std::string error = {};          // role="alert" when not empty
  std::string password_hint = {};  // e.g. "At least 12 characters."; when not empty
  std::string login_url = {};      // "Sign in" link when not empty
  std::string email = {};          // prefilled (the optional address)
};

// "Forgot your password?": an address, then the same confirmation whether
// or not an account has it.
struct ForgotPasswordPage {
  std::string action = {};
  std::string csrf = {};
  std::string email = {};
  std::string error = {};   // role="alert" when not empty
  bool sent = false;        // the confirmation instead of the form
  std::string login_url = {};
};

// A reset link opened: the new password, and the second factor's code when
// the account has one.
struct ResetPasswordPage {
  std::string action = {};
  std::string csrf = {};
  std::string token = {};       // posted back as is
  std::string username = {};
  bool code = false;            // ask for a code (authenticator app or recovery code)
  std::string error = {};
  std::string password_hint = {};
  bool done = false;            // "Your password was changed" instead of the form
  std::string login_url = {};
};

// A verification link opened: a button (a POST: mail scanners open GET
// links), then the confirmation.
struct VerifyEmailPage {
  std::string action = {};
  std::string csrf = {};
  std::string token = {};
  std::string email = {};  // the verified address, once done
  bool done = false;
  std::string error = {};
  std::string login_url = {};
};

// The sign-in's second step: a code from the authenticator app, or a
// recovery code (each form shown when the person has that method).
struct SecondFactorPage {
  std::string action = {};
  std::string csrf = {};
  std::string return_to = {};
  std::string mfa_token = {};    // the step's token, posted back as is
  std::string client_name = {};  // "to continue to ..." when not empty
  bool totp = false;
  bool recovery = false;
  std::string error = {};        // role="alert" when not empty
  std::string restart_url = {};  // "Start over": the sign-in again
  std::string passkey_options = {};  // JSON request options: "Use a passkey" when not empty
};

// The account page ("Where you're signed in", apps, security).
struct SessionRow {
  std::string id = {};
  std::string device = {};     // "Chrome on Linux"
  std::string ip = {};
  std::string created = {};    // as shown, e.g. "2026-12-05 17:20 UTC"
  std::string last_used = {};
  bool current = false;        // this browser's session: no "Sign out" of its own
};

struct PasskeyRow {
  std::string id = {};
  std::string name = {};
  std::string created = {};
  std::string last_used = {};  // "never" when not used yet
};

struct AppRow {
  std::string client_id = {};
  std::string name = {};
  std::string scopes = {};
  std::string granted = {};
};

struct AccountPage {
  std::string csrf = {};
  std::string username = {};
  std::string notice = {};  // role="status" when not empty: what the last action did
  std::string error = {};   // role="alert" when not empty
  std::vector<SessionRow> sessions = {};
  std::vector<AppRow> apps = {};
  bool totp = false;
  bool totp_available = false;
  long long recovery_left = 0;
  std::string password_hint = {};
  std::vector<PasskeyRow> passkeys = {};
  bool passkeys_available = false;
  std::string email = {};       // "" for none
  bool email_verified = false;
  bool mail_on = false;         // the address can be changed (a link is sent)
};

// Adding a passkey: the browser's dialog, started by the page's script.
struct PasskeyNewPage {
  std::string csrf = {};
  std::string options = {};  // JSON creation options
  std::string error = {};
};

struct TotpSetupPage {
  std::string csrf = {};
  std::string secret = {};   // base32, grouped
  int qr_size = 0;           // mfa::QrGeometry
  std::string qr_path = {};
  std::string error = {};
};

struct RecoveryCodesPage {
  std::vector<std::string> codes = {};
};

// A fresh password before a security change (ASVS 7.5.1).
struct ReauthenticatePage {
  std::string csrf = {};
  std::string username = {};
  long long minutes = 5;
  std::string error = {};
};

struct ScopeLine {
  std::string scope = {};        // "email"
  std::string description = {};  // "See your email address"; the scope is shown when empty
};

struct ConsentPage {
  std::string action = {};  // the form posts decision=allow or decision=deny
  std::string csrf = {};
  std::string return_to = {};
  std::string client_name = {};
  std::string username = {};  // "Signed in as ..."
  std::vector<ScopeLine> scopes = {};
};

struct HiddenField {
  std::string name = {};
  std::string value = {};
};

struct LogoutConfirmPage {
  std::string action = {};
  std::string csrf = {};
  std::vector<HiddenField> hidden = {};  // posted back as is (not named csrf)
  std::string cancel_url = {};           // the "Cancel" link when not empty
};

struct LoggedOutPage {};

// For what cannot go back to the client (a wrong redirect_uri, an unknown
// client): no redirect, no link to the client.
struct ErrorPage {
  std::string title = {};    // "Invalid request"
  std::string message = {};  // a sentence for a person
  std::string detail = {};   // e.g. an error code for support; when not empty
};

std::string render_page(const Templates& templates, const LoginPage& page);
std::string render_page(const Templates& templates, const SignupPage& page);
std::string render_page(const Templates& templates, const SecondFactorPage& page);
std::string render_page(const Templates& templates, const ConsentPage& page);
std::string render_page(const Templates& templates, const AccountPage& page);
std::string render_page(const Templates& templates, const TotpSetupPage& page);
std::string render_page(const Templates& templates, const RecoveryCodesPage& page);
std::string render_page(const Templates& templates, const PasskeyNewPage& page);
std::string render_page(const Templates& templates, const ReauthenticatePage& page);
std::string render_page(const Templates& templates, const LogoutConfirmPage& page);
std::string render_page(const Templates& templates, const LoggedOutPage& page);
std::string render_page(const Templates& templates, const ErrorPage& page);
std::string render_page(const Templates& templates, const ForgotPasswordPage& page);
std::string render_page(const Templates& templates, const ResetPasswordPage& page);
std::string render_page(const Templates& templates, const VerifyEmailPage& page);

}  // namespace latchkey::web
