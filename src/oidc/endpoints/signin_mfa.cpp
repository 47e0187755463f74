// POST /signin/mfa: the sign-in's second step on the hosted pages, for a
// person with an authenticator app (or recovery codes): the code is checked
// as /login/mfa checks it (mfa/sign_in_step.hpp: five wrong codes end the
// step, each counts against the account's password locks), then the browser
// session opens with amr "pwd otp mfa" and the browser goes back to what
// sent it to sign in.
#include <boost/json.hpp>

#include "api/api_context.hpp"
#include "api/middleware.hpp"
#include "crypto/digest.hpp"
#include "oidc/endpoints/pages.hpp"
#include "oidc/endpoints/sign_in_refusals.hpp"
#include "oidc/endpoints/sign_in_session.hpp"
#include "web/pages.hpp"

namespace latchkey::oidc {

namespace {

struct Failed {
  auth::AuthError error;
  SignInFor page;
  std::vector<std::string> methods;  // still offered (the page again)
  std::string passkey_options;       // a new challenge, when a passkey is among them
};


}  // namespace

Answer signin_mfa(const Provider& p, const http::Request& req) {
  auto post = sign_in_post(p, req);
  if (!post) co_return std::move(post.error());
  const http::FormFields& fields = post->form;
  const std::string& return_to = post->return_to;
  const std::string mfa_token(http::form_field(fields, "mfa_token"));
  const std::string_view method = http::form_field(fields, "method");
  const std::string_view code = http::form_field(fields, "code");
  if (method != "totp" && method != "recovery_code" && method != "passkey")
    co_return error_page(p, req, 400, "Invalid request", "The form could not be read.");
  std::optional<mfa::PasskeyAssertion> passkey;
  if (method == "passkey") {
    passkey = form_passkey_assertion(http::form_field(fields, "credential"));
    if (!passkey) co_return error_page(p, req, 400, "Invalid request", "The passkey's answer could not be read.");
  }
  const mfa::Code typed = method == "totp"            ? mfa::Code{.totp = code}
                          : method == "recovery_code" ? mfa::Code{.recovery = code}
                                                      : mfa::Code{.passkey = &*passkey};

  mfa::SignInStep& steps = p.mfa.sign_in_step();
  const auth::Client client = api::client_of(req);
  UnixSeconds retry_after = 0;
  auto current = session_handle(p, req);
  auto done = co_await p.pool.run([&]() -> tl::expected<Resume, Failed> {
    auto passed = steps.pass(mfa_token, typed, client, kHostedStep, &retry_after);
    if (!passed) {
      Failed f{passed.error(), sign_in_for(p, return_to), {}, {}};
      // The step goes on after a wrong code: the same methods again.
      if (auto c = p.service.store().mfa_challenges().find(crypto::token_digest(mfa_token)); c) {
        if (auto s = p.mfa.enrolment().status(c->user_id)) f.methods = s->methods();
      }
      f.passkey_options = second_step_passkey_options(p, mfa_token, f.methods, client);
      return tl::unexpected(std::move(f));
    }
    auto resume = enter_browser_session(p, current, passed->user, passed->amr, client,
                                        [&] { return p.browsers.open(*passed, steps, client); });
    if (!resume) return tl::unexpected(Failed{resume.error(), {}, {}, {}});
    return std::move(*resume);
  });
  if (!done) co_return error_page(p, req, 503, "Service busy", "The service is busy. Please try again in a moment.");
  if (!*done) {
    const Failed& f = done->error();
    // A spent, expired or foreign step: the sign-in starts over.
    if (f.error == auth::AuthError::mfa_token_invalid)
      co_return login_page(p, req,
                           LoginView{f.page.client_name, {}, return_to,
                                     "Your sign-in expired or was already used. Please sign in again.",
                                     f.page.redirect_uri},
                           401);
    const Refusal refused = sign_in_refusal(SignInForm::second_step, f.error);
    http::Response page = second_factor_page(
        p, req, SecondFactorView{f.page.client_name, return_to, mfa_token, f.methods, refused.text,
                                 f.page.redirect_uri, f.passkey_options},
        refused.status);
    if (f.error == auth::AuthError::rate_limited && retry_after > 0)
      page.headers.emplace_back("Retry-After", std::to_string(retry_after));
    co_return page;
  }
  co_return co_await continue_after_sign_in(p, req, return_to, **done);
}

}  // namespace latchkey::oidc
