// POST /signin/passkey: the hosted login page's "Sign in with a passkey"
// (and the browser's passkey autofill): a discoverable passkey with user
// verification is a complete sign-in, no username, no password. The
// challenge came from /webauthn/login/options, bound to this browser's user
// agent; the assertion is checked as /webauthn/login checks it, then the
// browser session opens (amr "hwk user mfa" or "swk user mfa") and the
// browser goes back to what sent it to sign in.
#include <boost/json.hpp>

#include "api/api_context.hpp"
#include "api/middleware.hpp"
#include "crypto/digest.hpp"
#include "oidc/endpoints/pages.hpp"
#include "oidc/endpoints/sign_in_refusals.hpp"
#include "oidc/endpoints/sign_in_session.hpp"
#include "web/pages.hpp"

namespace latchkey::oidc {

Answer signin_passkey(const Provider& p, const http::Request& req) {
  auto post = sign_in_post(p, req);
  if (!post) co_return std::move(post.error());
  const http::FormFields& fields = post->form;
  const std::string& return_to = post->return_to;
  const std::optional<mfa::PasskeyAssertion> assertion =
      form_passkey_assertion(http::form_field(fields, "credential"));
  if (!assertion) co_return error_page(p, req, 400, "Invalid request", "The passkey's answer could not be read.");

  abuse::Limiter& limits = p.service.limits();
  const abuse::Key guesses = abuse::per_ip(abuse::Limit::login_ip, req.remote_ip);
  if (const abuse::Verdict v = limits.peek(guesses, now_unix()); !v) {
    limits.count_refusal(v.limit);
    const Refusal refused = sign_in_refusal(SignInForm::passkey, auth::AuthError::rate_limited);
    co_return login_page(p, req, LoginView{{}, {}, return_to, refused.text}, refused.status);
  }
  const auth::Client client = api::client_of(req);
  const std::string binding = crypto::token_digest(req.header("User-Agent"));
  auto current = session_handle(p, req);
  mfa::SignInStep& steps = p.mfa.sign_in_step();
  auto done = co_await p.pool.run([&]() -> auth::Expected<Resume> {
    auto signed_in = p.mfa.passkeys().sign_in(*assertion, binding, client);
    if (!signed_in) return tl::unexpected(signed_in.error());
    const mfa::PassedStep step{signed_in->user, signed_in->amr, p.service.clock()(), "passkey"};
    return enter_browser_session(p, current, step.user, step.amr, client,
                                 [&] { return p.browsers.open(step, steps, client); });
  });
  if (!done) co_return error_page(p, req, 503, "Service busy", "The service is busy. Please try again in a moment.");
  if (!*done) {
    const auth::AuthError e = done->error();
    if (e == auth::AuthError::passkey_invalid) limits.record_soon(guesses, now_unix());
    auto page = co_await p.pool.run([&] { return sign_in_for(p, return_to); });
    SignInFor for_page = page ? std::move(*page) : SignInFor{};
    const Refusal refused = sign_in_refusal(SignInForm::passkey, e);
    co_return login_page(p, req, LoginView{for_page.client_name, {}, return_to, refused.text, for_page.redirect_uri},
                         refused.status);
  }
  co_return co_await continue_after_sign_in(p, req, return_to, **done);
}

}  // namespace latchkey::oidc
