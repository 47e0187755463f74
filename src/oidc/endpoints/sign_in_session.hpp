#pragma once
// How every sign-in form ends (the password, or its second step): the
// person proved who they are, so the browser session is entered, and the
// browser goes back to what sent it to sign in: an authorization request,
// or the account page.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "oidc/endpoints/authorization_flow.hpp"
#include "oidc/endpoints/endpoints.hpp"
#include "mfa/passkeys.hpp"

namespace latchkey::oidc {

// What a hosted sign-in's second step is bound to besides the user agent.
inline constexpr std::string_view kHostedStep = "hosted sign-in";

// The `return_to` of a sign-in that came from the account page rather than
// from an authorization request.
inline constexpr std::string_view kAccountReturnTo = "/account";

// A sign-in form's post (the password, its second step, a passkey): the
// form, CSRF-checked, and its return_to (an authorization request or the
// account page); the error page to answer otherwise.
struct SignInPost {
  http::FormFields form;
  std::string return_to;
};
tl::expected<SignInPost, http::Response> sign_in_post(const Provider& p, const http::Request& req);

// A form's `credential` field: a passkey assertion as the pages' script
// posts it (PublicKeyCredential JSON, at most 32 KiB); nullopt when it is
// not one.
std::optional<mfa::PasskeyAssertion> form_passkey_assertion(std::string_view credential);

// The store phase: the same person already signed in here (prompt=login,
// max_age, a fresh credential for the account page) keeps the session, whose
// auth_time moves and amr becomes `amr`; anyone else's session here ends
// and `open_new` opens this person's (returning the cookie's handle).
auth::Expected<Resume> enter_browser_session(const Provider& p, std::optional<std::string_view> current_handle,
                                             const store::User& user, std::string_view amr,
                                             const auth::Client& client,
                                             const std::function<auth::Expected<std::string>()>& open_new);

// Back to what sent the browser to sign in. `return_to` and `resume` are the
// caller's, alive until this completes.
Answer continue_after_sign_in(const Provider& p, const http::Request& req, const std::string& return_to,
                              const Resume& resume);

// The name of the application an authorization request (a `return_to`)
// is for, for the sign-in pages; empty when none or unknown. Also its
// redirect URI when registered (a page's form-action). Blocking (store).
struct SignInFor {
  std::string client_name;
  std::string redirect_uri;
};
SignInFor sign_in_for(const Provider& p, std::string_view return_to);

// The WebAuthn request options (JSON text) for a hosted second step that
// offers "passkey" among `methods`; empty otherwise, or when they cannot be
// made. Blocking (store).
std::string second_step_passkey_options(const Provider& p, std::string_view mfa_token,
                                        const std::vector<std::string>& methods, const auth::Client& client);

}  // namespace latchkey::oidc
