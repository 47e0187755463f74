// POST /signin: the hosted login page's form. The password is checked as
// /login checks it (the same abuse limits, the same answer whether or not
// the account exists, argon2id on the hashing lane), then the browser
// session opens (or, for the person already signed in, is marked as
// re-authenticated) and the authorization request resumes.
#include "api/hash_then_store.hpp"
#include "api/middleware.hpp"
#include "oidc/endpoints/authorization_flow.hpp"
#include "oidc/endpoints/pages.hpp"

namespace latchkey::oidc {

namespace {

// What the person is told: never whether the account exists.
std::string_view refusal_text(auth::AuthError e) {
  switch (e) {
    case auth::AuthError::rate_limited: return "Too many attempts from your network. Please wait a while and try again.";
    case auth::AuthError::account_disabled: return "This account is disabled.";
    case auth::AuthError::unavailable: return "The service is busy. Please try again in a moment.";
    default: return "Wrong username or password.";
  }
}

unsigned refusal_status(auth::AuthError e) {
  switch (e) {
    case auth::AuthError::rate_limited: return 429;
    case auth::AuthError::unavailable: return 503;
    case auth::AuthError::account_disabled: return 403;
    default: return 401;
  }
}

}  // namespace

Answer signin(const Provider& p, const http::Request& req) {
  auto form = form_of(req);
  if (!form) co_return error_page(p, req, 400, "Invalid request", "The form could not be read.");
  if (!csrf_ok(p, req, *form))
    co_return error_page(p, req, 403, "This form has expired",
                         "Go back, reload the page and try again. (Cookies must be enabled to sign in.)");
  const std::string_view return_to = http::form_field(*form, "return_to");
  auto request = resumed_request(return_to);
  if (!request) co_return error_page(p, req, 400, "Invalid request", "The sign-in request is missing or malformed.");
  const std::string_view username = http::form_field(*form, "username");
  const std::string_view password = http::form_field(*form, "password");

  auth::PasswordLogin& logins = p.service.logins();
  const auth::Client client = api::client_of(req);
  UnixSeconds retry_after = 0;
  auto current = session_handle(p, req);
  // The password check (and any hash upgrade) first, then the session.
  auto signed_in = co_await api::hash_then_store(
      p.pool, [&] { return logins.verify_login(username, password, client, &retry_after); },
      [&](auth::VerifiedLogin v) -> auth::Expected<Resume> {
        Resume resume;
        resume.signed_in_now = true;
        // The same person again (prompt=login, max_age): the session stays,
        // its auth_time moves. Someone else: the other session ends first.
        if (current) {
          auto live = p.browsers.find(*current);
          if (!live) return tl::unexpected(live.error());
          if (*live && (*live)->user.id == v.user().id) {
            if (auto r = p.browsers.reauthenticate(**live, "pwd"); !r) return tl::unexpected(r.error());
            (*live)->session.auth_time = p.service.clock()();
            resume.session = std::move(**live);
            return resume;
          }
          if (*live) (void)p.browsers.end(**live, client);
        }
        auto handle = p.browsers.open(std::move(v), client);
        if (!handle) return tl::unexpected(handle.error());
        auto opened = p.browsers.find(*handle);
        if (!opened || !*opened) return tl::unexpected(auth::AuthError::unavailable);
        resume.session = std::move(**opened);
        resume.new_handle = std::move(*handle);
        return resume;
      });
  if (!signed_in) {
    const auth::AuthError e = signed_in.error();
    // The page again, naming the application as the first time did; the
    // redirect URI (for the page's form-action) only when registered for it.
    const std::string_view client_id = http::form_field(*request, "client_id");
    const std::string_view redirect_uri = http::form_field(*request, "redirect_uri");
    std::string client_name;
    std::string_view known_redirect;
    if (!client_id.empty() && e != auth::AuthError::unavailable) {
      auto found = co_await p.pool.run([&] { return p.clients.find(client_id); });
      if (found && *found) {
        client_name = (*found)->metadata.client_name;
        if ((*found)->metadata.registers_redirect(redirect_uri)) known_redirect = redirect_uri;
      }
    }
    http::Response page = login_page(p, req, LoginView{client_name, username, return_to, refusal_text(e), known_redirect},
                                     refusal_status(e));
    if (e == auth::AuthError::rate_limited && retry_after > 0)
      page.headers.emplace_back("Retry-After", std::to_string(retry_after));
    co_return page;
  }
  co_return co_await run_authorization(p, req, *request, *signed_in);
}

}  // namespace latchkey::oidc
