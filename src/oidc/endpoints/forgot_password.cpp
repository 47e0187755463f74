// GET and POST /forgot-password: the hosted "Forgot your password?" page,
// linked from the sign-in page when mail is on. The form's answer is the
// same page whether or not an account has the address, sent before the
// lookup runs (as POST /password/forgot, email/password_reset.hpp).
#include <boost/asio/this_coro.hpp>

#include "api/middleware.hpp"
#include "email/addresses.hpp"
#include "oidc/endpoints/endpoints.hpp"
#include "oidc/endpoints/pages.hpp"
#include "web/pages.hpp"

namespace latchkey::oidc {

namespace {

http::Response forgot_page(const Provider& p, const http::Request& req, web::ForgotPasswordPage page,
                           unsigned status = 200) {
  page.action = "/forgot-password";
  page.login_url = "/account";
  return render_with_csrf(p, req, std::move(page), status);
}

http::Response mail_off(const Provider& p, const http::Request& req) {
  return error_page(p, req, 404, "Not available",
                    "This server sends no email, so a password cannot be reset here. Ask your administrator.");
}

}  // namespace

Answer forgot_password_form(const Provider& p, const http::Request& req) {
  if (!p.email.options().mail_on) co_return mail_off(p, req);
  co_return forgot_page(p, req, {});
}

Answer forgot_password(const Provider& p, const http::Request& req) {
  if (!p.email.options().mail_on) co_return mail_off(p, req);
  auto form = form_of(req);
  if (!form) co_return error_page(p, req, 400, "Invalid request", "The form could not be read.");
  if (!csrf_ok(p, req, *form))
    co_return error_page(p, req, 403, "This form has expired", "Go back, reload the page and try again.");
  const std::string given(http::form_field(*form, "email"));
  auto address = email::address_of(given);
  if (!address) {
    web::ForgotPasswordPage page;
    page.email = given;
    page.error = "That is not a valid email address.";
    co_return forgot_page(p, req, std::move(page), 400);
  }
  const auth::Client client = api::client_of(req);
  UnixSeconds retry_after = 0;
  auto admitted = co_await p.pool.run([&] { return p.email.admit_mail_request(*address, client, &retry_after); });
  if (!admitted) co_return error_page(p, req, 503, "Please try again", "The service is busy. Try again in a moment.");
  if (!*admitted) {
    web::ForgotPasswordPage page;
    page.email = given;
    page.error = "Too many requests for this address or from your network. Please wait a while and try again.";
    http::Response r = forgot_page(p, req, std::move(page), 429);
    if (retry_after > 0) r.headers.emplace_back("Retry-After", std::to_string(retry_after));
    co_return r;
  }
  // After the answer: the page is the same, and takes the same time,
  // whether or not an account has the address.
  const auto executor = co_await boost::asio::this_coro::executor;
  p.email.request_reset_later(p.pool, executor, *address, client);
  web::ForgotPasswordPage page;
  page.email = *address;
  page.sent = true;
  co_return forgot_page(p, req, std::move(page));
}

}  // namespace latchkey::oidc
