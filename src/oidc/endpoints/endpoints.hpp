#pragma once
// The OpenID Connect provider's endpoints, one file each (as in
// panva/node-oidc-provider's lib/actions): a handler takes the Provider and
// the request and knows no sockets. Routes: oidc/routes.cpp.
#include <boost/asio/awaitable.hpp>

#include "http/message.hpp"
#include "oidc/provider.hpp"

namespace latchkey::oidc {

using Answer = boost::asio::awaitable<http::Response>;

// authorize.cpp: GET and POST /authorize (Core 3.1.2).
Answer authorize(const Provider&, const http::Request&);
// signin.cpp: the hosted login page's form, POST /signin.
Answer signin(const Provider&, const http::Request&);
// signin_mfa.cpp: its second step, POST /signin/mfa (a code).
Answer signin_mfa(const Provider&, const http::Request&);
// signin_passkey.cpp: "Sign in with a passkey", POST /signin/passkey.
Answer signin_passkey(const Provider&, const http::Request&);
// signup.cpp: the hosted sign-up page, GET and POST /create-account.
Answer signup_form(const Provider&, const http::Request&);
Answer signup(const Provider&, const http::Request&);
// forgot_password.cpp: "Forgot your password?", GET and POST /forgot-password.
Answer forgot_password_form(const Provider&, const http::Request&);
Answer forgot_password(const Provider&, const http::Request&);
// reset_password.cpp: a reset link's page, GET and POST /reset-password.
Answer reset_password_form(const Provider&, const http::Request&);
Answer reset_password(const Provider&, const http::Request&);
// verify_email.cpp: a verification link's page, GET and POST /verify-email.
Answer verify_email_form(const Provider&, const http::Request&);
Answer verify_email(const Provider&, const http::Request&);
// consent.cpp: the consent page's answer, POST /consent.
Answer consent(const Provider&, const http::Request&);
// token.cpp: POST /token (RFC 6749 3.2), the grants in grants/.
Answer token(const Provider&, const http::Request&);
// userinfo.cpp: GET and POST /userinfo (Core 5.3).
Answer userinfo(const Provider&, const http::Request&);
// end_session.cpp: GET and POST /end_session (RP-Initiated Logout 1.0).
Answer end_session(const Provider&, const http::Request&);
// discovery.cpp: GET /.well-known/openid-configuration (Discovery 1.0 section 3).
Answer discovery(const Provider&, const http::Request&);
// consents_api.cpp: GET /consents, DELETE /consents/{client_id} (Bearer).
Answer list_consents(const Provider&, const http::Request&);
Answer revoke_consent(const Provider&, const http::Request&);
// assets.cpp: GET /assets/style.css.
Answer stylesheet(const Provider&, const http::Request&);

}  // namespace latchkey::oidc
