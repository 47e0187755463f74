#pragma once
// The hosted pages as the endpoints answer them (templates: web/): every
// page carries the security headers (web/page_response.hpp) and a CSRF
// token bound to this browser, whose binding cookie is set here when the
// browser has none yet. Cookies and redirects of the browser flows too.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/form.hpp"
#include "http/message.hpp"
#include "oidc/provider.hpp"
#include "web/pages.hpp"

namespace latchkey::oidc {

struct LoginView {
  std::string_view client_name;  // empty: signing in to latchkey itself
  std::string_view login_hint;
  std::string_view return_to;    // the authorization request, as a query string
  std::string_view error;        // shown above the form
  // Where the form's POST may end up (the client's redirect URI):
  // browsers apply the CSP's form-action to the redirects that follow it.
  std::string_view redirect_uri = {};
};

struct SecondFactorView {
  std::string_view client_name;
  std::string_view return_to;
  std::string_view mfa_token;
  const std::vector<std::string>& methods;  // "totp", "recovery_code"
  std::string_view error;
  std::string_view redirect_uri = {};  // as LoginView's
  std::string_view passkey_options = {};  // JSON request options when a passkey is offered
};

struct ConsentView {
  std::string_view client_name;
  std::string_view username;
  const std::vector<std::string>& scopes;
  std::string_view return_to;
  std::string_view redirect_uri;
};

struct SignupView {
  std::string_view return_to;
  std::string_view username;
  std::string_view error;
  std::string_view email = {};
};

// The origin a form's redirects go to, as CSP's form-action takes it:
// "https://app.example.com:8443" or "com.example.app:"; empty when none.
std::string origin_of(std::string_view uri);

http::Response login_page(const Provider& p, const http::Request& req, const LoginView& v, unsigned status = 200);
http::Response second_factor_page(const Provider& p, const http::Request& req, const SecondFactorView& v,
                                  unsigned status = 200);
http::Response consent_page(const Provider& p, const http::Request& req, const ConsentView& v);
http::Response signup_page(const Provider& p, const http::Request& req, const SignupView& v, unsigned status = 200);
// `hidden`: the fields the confirmation posts back.
http::Response logout_confirm_page(const Provider& p, const http::Request& req,
                                   const std::vector<std::pair<std::string, std::string>>& hidden,
                                   std::string_view post_logout_redirect_uri);
http::Response logged_out_page(const Provider& p, const http::Request& req);
// A readable error, never a redirect: for requests whose client or redirect
// URI cannot be trusted (RFC 6749 4.1.2.1).
http::Response error_page(const Provider& p, const http::Request& req, unsigned status, std::string_view title,
                          std::string_view message);

// A page of ours carrying this browser's CSRF token: `render(csrf)` gives
// its HTML (a web::render_page result). For the account pages.
http::Response page_with_csrf(const Provider& p, const http::Request& req,
                              const std::function<std::string(const std::string& csrf)>& render,
                              unsigned status = 200, bool script = false);

// The same for a web:: page whose only missing field is its `csrf`: the
// token is filled in and the page rendered (web::render_page).
template <class Page>
http::Response render_with_csrf(const Provider& p, const http::Request& req, Page page, unsigned status = 200,
                                bool script = false) {
  return page_with_csrf(
      p, req,
      [&](const std::string& csrf) {
        page.csrf = csrf;
        return web::render_page(p.pages, page);
      },
      status, script);
}

// A form post of ours: its csrf field matches this browser's binding cookie.
bool csrf_ok(const Provider& p, const http::Request& req, const http::FormFields& form);
// The form's fields, or nullopt for a body that is not a well-formed form.
std::optional<http::FormFields> form_of(const http::Request& req);

// 303 See Other: after a POST the browser follows with a GET.
http::Response redirect(std::string location);

// The browser session's cookie: its handle, setting and clearing it.
std::optional<std::string_view> session_handle(const Provider& p, const http::Request& req);
void set_session_cookie(const Provider& p, http::Response& r, std::string_view handle);
void clear_session_cookie(const Provider& p, http::Response& r);

}  // namespace latchkey::oidc
