// GET and POST /create-account: the hosted sign-up page, linked from the
// login page. The account is made as /signup makes it (the same password
// policy and abuse limits); then the login page asks for the password once,
// and the authorization request it carries resumes from there.
#include "api/hash_then_store.hpp"
#include "api/middleware.hpp"
#include "oidc/endpoints/authorization_flow.hpp"
#include "email/addresses.hpp"
#include "oidc/endpoints/pages.hpp"

namespace latchkey::oidc {

namespace {

std::string_view refusal_text(auth::AuthError e) {
  using E = auth::AuthError;
  switch (e) {
    case E::credentials_required: return "Choose a username and a password.";
    case E::username_invalid: return "That username is too long or has characters that are not allowed.";
    case E::username_taken: return "That username is taken. Choose another.";
    case E::password_too_short: return "The password is too short.";
    case E::password_too_long: return "The password is too long.";
    case E::password_common: return "That password is too common. Choose another.";
    case E::password_is_username: return "The password must not be the username.";
    case E::rate_limited: return "Too many sign-ups from your network. Please wait a while and try again.";
    case E::email_invalid: return "That email address is not valid. Correct it, or leave it empty.";
    default: return "The service is busy. Please try again in a moment.";
  }
}

unsigned refusal_status(auth::AuthError e) {
  using E = auth::AuthError;
  switch (e) {
    case E::rate_limited: return 429;
    case E::username_taken: return 409;
    case E::unavailable:
    case E::internal: return 503;
    default: return 400;
  }
}

}  // namespace

Answer signup_form(const Provider& p, const http::Request& req) {
  auto query = http::parse_form(req.query);
  if (!query) co_return error_page(p, req, 400, "Invalid request", "The request's parameters are malformed.");
  const std::string_view return_to = http::form_field(*query, "return_to");
  if (!return_to.empty() && !resumed_request(return_to))
    co_return error_page(p, req, 400, "Invalid request", "The sign-up request is malformed.");
  co_return signup_page(p, req, SignupView{return_to, {}, {}});
}

Answer signup(const Provider& p, const http::Request& req) {
  auto form = form_of(req);
  if (!form) co_return error_page(p, req, 400, "Invalid request", "The form could not be read.");
  if (!csrf_ok(p, req, *form))
    co_return error_page(p, req, 403, "This form has expired", "Go back, reload the page and try again.");
  const std::string_view return_to = http::form_field(*form, "return_to");
  if (!return_to.empty() && !resumed_request(return_to))
    co_return error_page(p, req, 400, "Invalid request", "The sign-up request is malformed.");
  const std::string_view username = http::form_field(*form, "username");
  const std::string_view password = http::form_field(*form, "password");
  const std::string_view given_email = http::form_field(*form, "email");
  const auth::Client client = api::client_of(req);
  UnixSeconds retry_after = 0;
  auth::Expected<std::string> address = std::string();
  if (!given_email.empty()) address = email::address_of(given_email);
  auth::Expected<void> made = tl::unexpected(auth::AuthError::internal);
  if (!address) {
    made = tl::unexpected(address.error());
  } else {
    made = co_await api::hash_then_store(
        p.pool, [&] { return p.email.prepare_signup(username, password, *address, client, &retry_after); },
        [&](auth::NewAccount a) { return p.email.complete_signup(std::move(a), client); });
  }
  if (!made) {
    http::Response page = signup_page(p, req, SignupView{return_to, username, refusal_text(made.error()), given_email},
                                      refusal_status(made.error()));
    if (made.error() == auth::AuthError::rate_limited && retry_after > 0)
      page.headers.emplace_back("Retry-After", std::to_string(retry_after));
    co_return page;
  }
  std::string redirect_uri;
  if (auto fields = resumed_request(return_to)) {
    if (auto it = fields->find("redirect_uri"); it != fields->end()) redirect_uri = it->second;
  }
  co_return login_page(p, req, LoginView{{}, username, return_to, {}, redirect_uri});
}

}  // namespace latchkey::oidc
