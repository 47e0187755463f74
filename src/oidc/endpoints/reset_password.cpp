// GET and POST /reset-password: the page a reset link opens
// (email/password_reset.hpp). GET shows the form (and asks for the second
// factor's code when the account has one); POST sets the password. Pages,
// like every page of ours, are never cached and send no Referer (the token
// is in this page's URL).
#include "api/hash_then_store.hpp"
#include "api/middleware.hpp"
#include "oidc/endpoints/endpoints.hpp"
#include "oidc/endpoints/pages.hpp"
#include "web/pages.hpp"

namespace latchkey::oidc {

namespace {

using auth::AuthError;

http::Response reset_page(const Provider& p, const http::Request& req, web::ResetPasswordPage page,
                          unsigned status = 200) {
  page.action = "/reset-password";
  page.login_url = "/account";
  page.password_hint = web::password_hint(p.service.options().min_password_chars);
  return render_with_csrf(p, req, std::move(page), status);
}

http::Response dead_link(const Provider& p, const http::Request& req) {
  return error_page(p, req, 400, "This link does not work",
                    "It was used already, it expired (a reset link lasts 30 minutes), or a newer one replaced it. "
                    "Ask for a new one from the sign-in page.");
}

std::string_view refusal_text(AuthError e) {
  switch (e) {
    case AuthError::passwords_required: return "Choose a new password.";
    case AuthError::password_too_short: return "The password is too short.";
    case AuthError::password_too_long: return "The password is too long.";
    case AuthError::password_common: return "That password is too common. Choose another.";
    case AuthError::password_is_username: return "The password must not be the username.";
    case AuthError::second_factor_required: return "Enter a code from your authenticator app or a recovery code.";
    case AuthError::mfa_code_invalid: return "That code is not right. Try again with a new one.";
    case AuthError::rate_limited: return "Too many attempts. Please wait a while and try again.";
    default: return "The service is busy. Please try again in a moment.";
  }
}

unsigned refusal_status(AuthError e) {
  switch (e) {
    case AuthError::second_factor_required:
    case AuthError::mfa_code_invalid: return 401;
    case AuthError::rate_limited: return 429;
    case AuthError::unavailable:
    case AuthError::internal: return 503;
    default: return 400;
  }
}

// A code as typed: an authenticator's 6 digits (spaces allowed) or a recovery code.
mfa::Code code_of(std::string_view typed, std::string& digits) {
  for (char c : typed)
    if (c != ' ') digits += c;
  const bool totp = digits.size() == 6 && digits.find_first_not_of("0123456789") == std::string::npos;
  return totp ? mfa::Code{digits, {}, nullptr} : mfa::Code{{}, typed, nullptr};
}

}  // namespace

Answer reset_password_form(const Provider& p, const http::Request& req) {
  auto query = http::parse_form(req.query);
  if (!query) co_return error_page(p, req, 400, "Invalid request", "The link is malformed.");
  const std::string token(http::form_field(*query, "token"));
  auto target = co_await p.pool.run([&] { return p.email.reset().inspect(token); });
  if (!target) co_return error_page(p, req, 503, "Please try again", "The service is busy. Try again in a moment.");
  if (!*target) {
    if ((*target).error() == AuthError::reset_token_invalid) co_return dead_link(p, req);
    co_return error_page(p, req, 503, "Please try again", "The service is busy. Try again in a moment.");
  }
  web::ResetPasswordPage page;
  page.token = token;
  page.username = (*target)->user.username;
  page.code = !(*target)->methods.empty();
  co_return reset_page(p, req, std::move(page));
}

Answer reset_password(const Provider& p, const http::Request& req) {
  auto form = form_of(req);
  if (!form) co_return error_page(p, req, 400, "Invalid request", "The form could not be read.");
  if (!csrf_ok(p, req, *form))
    co_return error_page(p, req, 403, "This form has expired", "Go back, reload the page and try again.");
  const std::string token(http::form_field(*form, "token"));
  const std::string_view password = http::form_field(*form, "new_password");
  const std::string_view typed = http::form_field(*form, "code");
  std::string digits;
  const mfa::Code code = code_of(typed, digits);
  email::PasswordReset& reset = p.email.reset();
  const auth::Client client = api::client_of(req);
  std::string username;
  bool asks_code = !typed.empty();
  auto done = co_await api::hash_then_store(
      p.pool,
      [&] {
        auto prepared = reset.prepare(token, password);
        if (prepared) username = prepared->user.username;
        return prepared;
      },
      [&](email::PreparedReset prepared) { return reset.complete(prepared, code, client); });
  if (!done) {
    if (done.error() == AuthError::reset_token_invalid) co_return dead_link(p, req);
    if (done.error() == AuthError::second_factor_required) asks_code = true;
    web::ResetPasswordPage page;
    page.token = token;
    page.username = username;
    page.code = asks_code;
    page.error = std::string(refusal_text(done.error()));
    co_return reset_page(p, req, std::move(page), refusal_status(done.error()));
  }
  web::ResetPasswordPage page;
  page.done = true;
  co_return reset_page(p, req, std::move(page));
}

}  // namespace latchkey::oidc
