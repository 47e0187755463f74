#include "account/routes.hpp"

#include "account/pages.hpp"

namespace latchkey::account {

namespace {

using Handler = Answer (*)(const oidc::Provider&, const http::Request&);

struct Route {
  std::string_view method;
  std::string_view path;
  Handler handler;
};

// Forms are small: a password change is three fields.
constexpr std::size_t kFormBytes = 96 * 1024;  // a new passkey's attestation, base64url, in JSON

// The whole account page. A new action is one line here and a handler.
constexpr Route kRoutes[] = {
    {"GET", "/account", show_account},
    {"POST", "/account/sessions/end", end_session},
    {"POST", "/account/sessions/end-others", end_other_sessions},
    {"POST", "/account/sign-out", sign_out},
    {"POST", "/account/apps/revoke", revoke_app},
    {"POST", "/account/password", change_password},
    {"POST", "/account/email-address", change_email},
    {"POST", "/account/email-address/resend", resend_email},
    {"POST", "/account/reauthenticate", reauthenticate},
    {"POST", "/account/totp/setup", totp_setup},
    {"POST", "/account/totp/confirm", totp_confirm},
    {"POST", "/account/totp/remove", totp_remove},
    {"POST", "/account/recovery-codes", new_recovery_codes},
    {"POST", "/account/passkeys/new", passkey_new},
    {"POST", "/account/passkeys/add", passkey_add},
    {"POST", "/account/passkeys/rename", passkey_rename},
    {"POST", "/account/passkeys/remove", passkey_remove},
};

}  // namespace

void add_account_routes(http::Router& router, std::shared_ptr<const oidc::Provider> provider) {
  for (const Route& r : kRoutes) {
    http::RouteOptions o;
    if (r.method == "POST") o.max_body_bytes = kFormBytes;
    router.add(r.method, r.path, [provider, h = r.handler](const http::Request& req) { return h(*provider, req); },
               std::move(o));
  }
}

}  // namespace latchkey::account
