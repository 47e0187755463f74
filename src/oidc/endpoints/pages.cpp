#include "oidc/endpoints/pages.hpp"

#include <algorithm>

#include "http/cookies.hpp"
#include "web/page_cookies.hpp"
#include "web/page_response.hpp"
#include "web/pages.hpp"

namespace latchkey::oidc {

namespace {

// The browser session's cookie; a session cookie of the browser (no
// Max-Age): the session's own lifetime is the server's to enforce.
constexpr std::string_view kSessionCookie = "lk_session";

// Scope descriptions a person understands (the consent page).
std::string describe_scope(std::string_view scope) {
  if (scope == "openid") return "Know who you are on latchkey";
  if (scope == "profile") return "See your username";
  if (scope == "email") return "See your email address";
  if (scope == "offline_access") return "Stay signed in when you are away";
  return {};
}

// This browser's CSRF binding: the cookie's, or a new one set on `r`.
std::string binding_for(const Provider& p, const http::Request& req, std::optional<std::string>& fresh) {
  if (auto have = web::find_page_cookie(req, web::kCsrfCookie, p.options.https); have && !have->empty())
    return std::string(*have);
  fresh = p.csrf.new_binding();
  return *fresh;
}

// `script`: the page inlines passkey.js; `connect`: which may call our endpoints.
http::Response answer(const Provider& p, std::string html, std::optional<std::string> fresh_binding,
                      std::string_view redirect_uri = {}, unsigned status = 200, bool script = false,
                      bool connect = false) {
  web::PagePolicy policy;
  if (std::string origin = origin_of(redirect_uri); !origin.empty()) policy.form_action.push_back(std::move(origin));
  if (script) policy.script_hashes.emplace_back(p.pages.passkey_script_hash());
  policy.connect_self = connect;
  http::Response r = web::page_response(std::move(html), policy, status);
  if (fresh_binding) web::set_page_cookie(r, web::kCsrfCookie, *fresh_binding, p.options.https);
  return r;
}

}  // namespace

std::string origin_of(std::string_view uri) {
  const std::size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  const std::string_view scheme = uri.substr(0, colon);
  if (scheme != "http" && scheme != "https") return std::string(uri.substr(0, colon + 1));  // a private-use scheme
  if (uri.substr(colon, 3) != "://") return {};
  const std::size_t end = uri.find_first_of("/?#", colon + 3);
  return std::string(uri.substr(0, end));
}

http::Response login_page(const Provider& p, const http::Request& req, const LoginView& v, unsigned status) {
  std::optional<std::string> fresh;
  web::LoginPage page;
  page.action = "/signin";
  page.csrf = p.csrf.token_for(binding_for(p, req, fresh));
  page.return_to = std::string(v.return_to);
  page.client_name = std::string(v.client_name);
  page.login_hint = std::string(v.login_hint);
  page.error = std::string(v.error);
  if (p.options.signup_open) {
    std::string url = "/create-account?return_to=";
    http::percent_encode(v.return_to, url);
    page.signup_url = std::move(url);
  }
  page.passkeys = p.mfa.passkeys().available();
  if (p.email.options().mail_on) page.forgot_url = "/forgot-password";
  return answer(p, web::render_page(p.pages, page), std::move(fresh), v.redirect_uri, status, page.passkeys,
                page.passkeys);
}

http::Response second_factor_page(const Provider& p, const http::Request& req, const SecondFactorView& v,
                                  unsigned status) {
  std::optional<std::string> fresh;
  web::SecondFactorPage page;
  page.action = "/signin/mfa";
  page.csrf = p.csrf.token_for(binding_for(p, req, fresh));
  page.return_to = std::string(v.return_to);
  page.mfa_token = std::string(v.mfa_token);
  page.client_name = std::string(v.client_name);
  for (const std::string& m : v.methods) {
    if (m == "totp") page.totp = true;
    if (m == "recovery_code") page.recovery = true;
  }
  page.error = std::string(v.error);
  // Start over: the request that sent the browser here, from its beginning
  // (a return_to no URL can hold, which no form of ours sends: the account page).
  const bool plain = std::ranges::none_of(v.return_to, [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
  page.restart_url = v.return_to == "/account" || !plain ? "/account" : "/authorize?" + std::string(v.return_to);
  page.passkey_options = std::string(v.passkey_options);
  return answer(p, web::render_page(p.pages, page), std::move(fresh), v.redirect_uri, status,
                !page.passkey_options.empty());
}

http::Response consent_page(const Provider& p, const http::Request& req, const ConsentView& v) {
  std::optional<std::string> fresh;
  web::ConsentPage page;
  page.action = "/consent";
  page.csrf = p.csrf.token_for(binding_for(p, req, fresh));
  page.return_to = std::string(v.return_to);
  page.client_name = std::string(v.client_name);
  page.username = std::string(v.username);
  for (const std::string& s : v.scopes) page.scopes.push_back(web::ScopeLine{s, describe_scope(s)});
  return answer(p, web::render_page(p.pages, page), std::move(fresh), v.redirect_uri);
}

http::Response signup_page(const Provider& p, const http::Request& req, const SignupView& v, unsigned status) {
  std::optional<std::string> fresh;
  web::SignupPage page;
  page.action = "/create-account";
  page.csrf = p.csrf.token_for(binding_for(p, req, fresh));
  page.return_to = std::string(v.return_to);
  page.username = std::string(v.username);
  page.email = std::string(v.email);
  page.error = std::string(v.error);
  page.password_hint = web::password_hint(p.service.options().min_password_chars);
  std::string redirect_uri;
  if (auto fields = http::parse_form(v.return_to)) {
    if (auto it = fields->find("redirect_uri"); it != fields->end()) redirect_uri = it->second;
  }
  return answer(p, web::render_page(p.pages, page), std::move(fresh), redirect_uri, status);
}

http::Response logout_confirm_page(const Provider& p, const http::Request& req,
                                   const std::vector<std::pair<std::string, std::string>>& hidden,
                                   std::string_view post_logout_redirect_uri) {
  std::optional<std::string> fresh;
  web::LogoutConfirmPage page;
  page.action = "/end_session";
  page.csrf = p.csrf.token_for(binding_for(p, req, fresh));
  for (const auto& [name, value] : hidden) page.hidden.push_back(web::HiddenField{name, value});
  return answer(p, web::render_page(p.pages, page), std::move(fresh), post_logout_redirect_uri);
}

http::Response logged_out_page(const Provider& p, const http::Request&) {
  return answer(p, web::render_page(p.pages, web::LoggedOutPage{}), std::nullopt);
}

http::Response error_page(const Provider& p, const http::Request&, unsigned status, std::string_view title,
                          std::string_view message) {
  return answer(p, web::render_page(p.pages, web::ErrorPage{std::string(title), std::string(message), {}}),
                std::nullopt, {}, status);
}

http::Response page_with_csrf(const Provider& p, const http::Request& req,
                              const std::function<std::string(const std::string& csrf)>& render, unsigned status,
                              bool script) {
  std::optional<std::string> fresh;
  const std::string csrf = p.csrf.token_for(binding_for(p, req, fresh));
  return answer(p, render(csrf), std::move(fresh), {}, status, script);
}

bool csrf_ok(const Provider& p, const http::Request& req, const http::FormFields& form) {
  auto binding = web::find_page_cookie(req, web::kCsrfCookie, p.options.https);
  auto token = form.find(web::kCsrfField);
  return binding && token != form.end() && p.csrf.verify(*binding, token->second);
}

std::optional<http::FormFields> form_of(const http::Request& req) {
  auto form = http::parse_form(req.body);
  if (!form) return std::nullopt;
  return std::move(*form);
}

http::Response redirect(std::string location) {
  http::Response r;
  r.status = 303;
  r.content_type = "text/plain; charset=utf-8";
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

std::optional<std::string_view> session_handle(const Provider& p, const http::Request& req) {
  return web::find_page_cookie(req, kSessionCookie, p.options.https);
}

void set_session_cookie(const Provider& p, http::Response& r, std::string_view handle) {
  web::set_page_cookie(r, kSessionCookie, handle, p.options.https);
}

void clear_session_cookie(const Provider& p, http::Response& r) {
  web::clear_page_cookie(r, kSessionCookie, p.options.https);
}

}  // namespace latchkey::oidc
