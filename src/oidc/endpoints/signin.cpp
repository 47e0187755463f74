// POST /signin: the hosted login page's form. The password is checked as
// /login checks it (the same abuse limits, the same answer whether or not
// the account exists, argon2id on the hashing lane). For a person with a
// second factor it opens the sign-in's second step (the page of
// signin_mfa.cpp); otherwise the browser session opens (or, for the person
// already signed in, is marked as re-authenticated) and the browser goes
// back to what sent it here: an authorization request, or the account page.
#include "api/hash_then_store.hpp"
#include "api/middleware.hpp"
#include "oidc/endpoints/pages.hpp"
#include "oidc/endpoints/sign_in_refusals.hpp"
#include "oidc/endpoints/sign_in_session.hpp"
#include "web/pages.hpp"

namespace latchkey::oidc {

namespace {

// A right password: the session, or the second step it needs first.
struct Outcome {
  std::optional<Resume> resume;
  std::optional<mfa::Challenge> challenge;
  SignInFor page;  // with a challenge: for its page
  std::string passkey_options;  // with a challenge the person may answer with a passkey
};

}  // namespace

Answer signin(const Provider& p, const http::Request& req) {
  auto post = sign_in_post(p, req);
  if (!post) co_return std::move(post.error());
  const http::FormFields& fields = post->form;
  const std::string& return_to = post->return_to;
  const std::string_view username = http::form_field(fields, "username");
  const std::string_view password = http::form_field(fields, "password");

  auth::PasswordLogin& logins = p.service.logins();
  mfa::SignInStep& steps = p.mfa.sign_in_step();
  const auth::Client client = api::client_of(req);
  UnixSeconds retry_after = 0;
  auto current = session_handle(p, req);
  // The password check (and any hash upgrade) first, then the session or the second step.
  auto signed_in = co_await api::hash_then_store(
      p.pool, [&] { return logins.verify_login(username, password, client, &retry_after); },
      [&](auth::VerifiedLogin v) -> auth::Expected<Outcome> {
        auto challenge = steps.challenge_if_enrolled(v.user(), client, kHostedStep);
        if (!challenge) return tl::unexpected(challenge.error());
        if (*challenge) {
          if (v.upgraded_hash()) (void)p.service.store().users().set_password_hash(v.user().id, *v.upgraded_hash());
          Outcome o{std::nullopt, std::move(**challenge), sign_in_for(p, return_to), {}};
          o.passkey_options = second_step_passkey_options(p, o.challenge->mfa_token, o.challenge->methods, client);
          return o;
        }
        const store::User user = v.user();
        auto resume = enter_browser_session(p, current, user, "pwd", client,
                                            [&] { return p.browsers.open(std::move(v), client); });
        if (!resume) return tl::unexpected(resume.error());
        return Outcome{std::move(*resume), std::nullopt, {}, {}};
      });
  if (!signed_in) {
    const auth::AuthError e = signed_in.error();
    // The page again, naming the application as the first time did; the
    // redirect URI (for the page's form-action) only when registered for it.
    SignInFor page;
    if (e != auth::AuthError::unavailable) {
      auto found = co_await p.pool.run([&] { return sign_in_for(p, return_to); });
      if (found) page = std::move(*found);
    }
    const Refusal refused = sign_in_refusal(SignInForm::password, e);
    http::Response answer = login_page(
        p, req, LoginView{page.client_name, username, return_to, refused.text, page.redirect_uri}, refused.status);
    if (e == auth::AuthError::rate_limited && retry_after > 0)
      answer.headers.emplace_back("Retry-After", std::to_string(retry_after));
    co_return answer;
  }
  if (signed_in->challenge) {
    const Outcome& o = *signed_in;
    co_return second_factor_page(p, req, SecondFactorView{o.page.client_name, return_to, o.challenge->mfa_token,
                                                          o.challenge->methods, {}, o.page.redirect_uri,
                                                          o.passkey_options});
  }
  co_return co_await continue_after_sign_in(p, req, return_to, *signed_in->resume);
}

}  // namespace latchkey::oidc
