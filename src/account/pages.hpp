#pragma once
// The account pages, one file each (routes: account/routes.cpp). Each
// works on the browser session of the hosted login (oidc/): no session, and
// the sign-in page comes first, then back here.
#include "account/account_context.hpp"

namespace latchkey::account {

// account_page.cpp: GET /account.
Answer show_account(const oidc::Provider&, const http::Request&);
// session_actions.cpp: POST /account/sessions/end (session_id),
// /account/sessions/end-others, /account/sign-out.
Answer end_session(const oidc::Provider&, const http::Request&);
Answer end_other_sessions(const oidc::Provider&, const http::Request&);
Answer sign_out(const oidc::Provider&, const http::Request&);
// app_actions.cpp: POST /account/apps/revoke (client_id).
Answer revoke_app(const oidc::Provider&, const http::Request&);
// password_change.cpp: POST /account/password.
Answer change_password(const oidc::Provider&, const http::Request&);
// reauthenticate.cpp: POST /account/reauthenticate (password).
Answer reauthenticate(const oidc::Provider&, const http::Request&);
// totp_actions.cpp: POST /account/totp/setup, /confirm, /remove.
Answer totp_setup(const oidc::Provider&, const http::Request&);
Answer totp_confirm(const oidc::Provider&, const http::Request&);
Answer totp_remove(const oidc::Provider&, const http::Request&);
// passkey_actions.cpp: POST /account/passkeys/new, /add, /rename, /remove.
Answer passkey_new(const oidc::Provider&, const http::Request&);
Answer passkey_add(const oidc::Provider&, const http::Request&);
Answer passkey_rename(const oidc::Provider&, const http::Request&);
Answer passkey_remove(const oidc::Provider&, const http::Request&);
// email_actions.cpp: POST /account/email-address (email, password), /account/email-address/resend
// (the JSON API has /account/email).
Answer change_email(const oidc::Provider&, const http::Request&);
Answer resend_email(const oidc::Provider&, const http::Request&);
// recovery_codes.cpp: POST /account/recovery-codes.
Answer new_recovery_codes(const oidc::Provider&, const http::Request&);

}  // namespace latchkey::account
