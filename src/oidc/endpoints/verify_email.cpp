// GET and POST /verify-email: the page a verification link opens
// (email/addresses.hpp). GET only shows a button: mail scanners and link
// previews open GET links, and must not spend the token.
#include "api/middleware.hpp"
#include "oidc/endpoints/endpoints.hpp"
#include "oidc/endpoints/pages.hpp"
#include "web/pages.hpp"

namespace latchkey::oidc {

namespace {

http::Response verify_page(const Provider& p, const http::Request& req, web::VerifyEmailPage page,
                           unsigned status = 200) {
  page.action = "/verify-email";
  page.login_url = "/account";
  return render_with_csrf(p, req, std::move(page), status);
}

}  // namespace

Answer verify_email_form(const Provider& p, const http::Request& req) {
  auto query = http::parse_form(req.query);
  if (!query) co_return error_page(p, req, 400, "Invalid request", "The link is malformed.");
  web::VerifyEmailPage page;
  page.token = std::string(http::form_field(*query, "token"));
  if (page.token.empty()) co_return error_page(p, req, 400, "Invalid request", "The link has no token.");
  co_return verify_page(p, req, std::move(page));
}

Answer verify_email(const Provider& p, const http::Request& req) {
  auto form = form_of(req);
  if (!form) co_return error_page(p, req, 400, "Invalid request", "The form could not be read.");
  if (!csrf_ok(p, req, *form))
    co_return error_page(p, req, 403, "This form has expired", "Go back, reload the page and try again.");
  const std::string token(http::form_field(*form, "token"));
  const auth::Client client = api::client_of(req);
  auto user = co_await p.pool.run([&] { return p.email.addresses().confirm(token, client); });
  if (!user || (!*user && (*user).error() != auth::AuthError::email_token_invalid &&
                (*user).error() != auth::AuthError::email_taken))
    co_return error_page(p, req, 503, "Please try again", "The service is busy. Try again in a moment.");
  if (!*user) {
    if ((*user).error() == auth::AuthError::email_taken)
      co_return error_page(p, req, 409, "This address is taken",
                           "Another account verified this address first. Use another address.");
    co_return error_page(p, req, 400, "This link does not work",
                         "It was used already, it expired (a link lasts 24 hours), or a newer one replaced it. "
                         "Ask for a new one from your account page.");
  }
  web::VerifyEmailPage page;
  page.done = true;
  page.email = (*user)->email;
  co_return verify_page(p, req, std::move(page));
}

}  // namespace latchkey::oidc
