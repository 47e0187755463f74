#include "web/pages.hpp"

#include <algorithm>
#include <stdexcept>

namespace latchkey::web {

namespace {

// A URL a page may link or post to: a path on our origin, or an http(s)
// URL. Escaping keeps it inside its attribute; this keeps javascript: and
// data: out of it, and "//host" or "/\host" (another origin that looks like
// a path; browsers drop tabs and newlines from URLs, so no control or space).
const std::string& checked_url(const std::string& url) {
  const std::string_view u = url;
  const bool plain = std::ranges::none_of(u, [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
  const bool path = u.starts_with('/') && !u.starts_with("//") && !u.starts_with("/\\");
  if (url.empty() || (plain && (path || u.starts_with("https://") || u.starts_with("http://")))) return url;
  throw std::invalid_argument("web page URL is neither a path nor http(s): " + url);
}

// The layout around a page's own HTML.
// `script`: the page inlines passkey.js (its CSP then allows it by hash).
std::string document(const Templates& templates, std::string_view title, const Html& content, bool script = false) {
  Values v;
  v.text("title", title).text("css_version", templates.css_version()).html("content", content);
  if (script) v.html("script", templates.passkey_script());
  std::string out;
  out.reserve(content.str().size() + 1024);
  templates.at("layout.html").render_to(v, out);
  return out;
}

}  // namespace

std::string password_hint(std::size_t min_chars) {
  return "At least " + std::to_string(min_chars) + (min_chars == 1 ? " character." : " characters.");
}

std::string render_page(const Templates& templates, const LoginPage& page) {
  Values v;
  v.text("action", checked_url(page.action))
      .text("csrf", page.csrf)
      .text("return_to", page.return_to)
      .text("client_name", page.client_name)
      .text("login_hint", page.login_hint)
      .text("error", page.error)
      .text("signup_url", checked_url(page.signup_url))
      .text("forgot_url", checked_url(page.forgot_url))
      .flag("passkeys", page.passkeys);
  return document(templates, "Sign in", templates.at("login.html").render(v), page.passkeys);
}

std::string render_page(const Templates& templates, const SignupPage& page) {
  Values v;
  v.text("action", checked_url(page.action))
      .text("csrf", page.csrf)
      .text("return_to", page.return_to)
      .text("client_name", page.client_name)
      .text("username", page.username)
      .text("error", page.error)
      .text("password_hint", page.password_hint)
      .text("login_url", checked_url(page.login_url))
      .text("email", page.email);
  return document(templates, "Create an account", templates.at("signup.html").render(v));
}

std::string render_page(const Templates& templates, const SecondFactorPage& page) {
  Values v;
  v.text("action", checked_url(page.action))
      .text("csrf", page.csrf)
      .text("return_to", page.return_to)
      .text("mfa_token", page.mfa_token)
      .text("client_name", page.client_name)
      .flag("totp", page.totp)
      .flag("recovery", page.recovery)
      .text("error", page.error)
      .text("restart_url", checked_url(page.restart_url))
      .text("passkey_options", page.passkey_options);
  return document(templates, "Two-step verification", templates.at("second_factor.html").render(v),
                  !page.passkey_options.empty());
}

std::string render_page(const Templates& templates, const ConsentPage& page) {
  const Template& item = templates.at("scope_item.html");
  Html scopes;
  for (const ScopeLine& s : page.scopes) {
    Values line;
    line.text("scope", s.scope).text("description", s.description.empty() ? s.scope : s.description);
    scopes += item.render(line);
  }
  Values v;
  v.text("action", checked_url(page.action))
      .text("csrf", page.csrf)
      .text("return_to", page.return_to)
      .text("client_name", page.client_name)
      .text("username", page.username)
      .html("scopes", scopes);
  return document(templates, "Allow access", templates.at("consent.html").render(v));
}

std::string render_page(const Templates& templates, const AccountPage& page) {
  const Template& session_row = templates.at("session_row.html");
  Html sessions;
  for (const SessionRow& r : page.sessions) {
    Values v;
    v.text("csrf", page.csrf)
        .text("id", r.id)
        .text("device", r.device)
        .text("ip", r.ip)
        .text("created", r.created)
        .text("last_used", r.last_used)
        .flag("current", r.current);
    sessions += session_row.render(v);
  }
  const Template& app_row = templates.at("app_row.html");
  Html apps;
  for (const AppRow& r : page.apps) {
    Values v;
    v.text("csrf", page.csrf).text("client_id", r.client_id).text("name", r.name).text("scopes", r.scopes).text(
        "granted", r.granted);
    apps += app_row.render(v);
  }
  const Template& passkey_row = templates.at("passkey_row.html");
  Html passkeys;
  for (const PasskeyRow& r : page.passkeys) {
    Values v;
    v.text("csrf", page.csrf).text("id", r.id).text("name", r.name).text("created", r.created).text("last_used", r.last_used);
    passkeys += passkey_row.render(v);
  }
  const std::string recovery_left = std::to_string(page.recovery_left);
  Values v;
  v.text("csrf", page.csrf)
      .text("username", page.username)
      .text("notice", page.notice)
      .text("error", page.error)
      .html("sessions", sessions)
      .flag("others", page.sessions.size() > 1)
      .html("apps", apps)
      .flag("totp", page.totp)
      .flag("totp_available", page.totp_available)
      .text("recovery_left", recovery_left)
      .html("passkeys", passkeys)
      .flag("passkeys_available", page.passkeys_available)
      .text("password_hint", page.password_hint)
      .text("email", page.email)
      .flag("email_verified", page.email_verified)
      .flag("mail_on", page.mail_on);
  return document(templates, "Your account", templates.at("account.html").render(v));
}

std::string render_page(const Templates& templates, const TotpSetupPage& page) {
  const std::string size = std::to_string(page.qr_size);
  Values q;
  q.text("size", size).text("path", page.qr_path);
  const Html qr = templates.at("qr_code.html").render(q);
  Values v;
  v.text("csrf", page.csrf).text("secret", page.secret).html("qr", qr).text("error", page.error);
  return document(templates, "Set up an authenticator app", templates.at("totp_setup.html").render(v));
}

std::string render_page(const Templates& templates, const PasskeyNewPage& page) {
  Values v;
  v.text("csrf", page.csrf).text("options", page.options).text("error", page.error);
  return document(templates, "Add a passkey", templates.at("passkey_new.html").render(v), true);
}

std::string render_page(const Templates& templates, const RecoveryCodesPage& page) {
  const Template& item = templates.at("code_item.html");
  Html codes;
  for (const std::string& c : page.codes) {
    Values v;
    v.text("code", c);
    codes += item.render(v);
  }
  Values v;
  v.html("codes", codes);
  return document(templates, "Your recovery codes", templates.at("recovery_codes.html").render(v));
}

std::string render_page(const Templates& templates, const ReauthenticatePage& page) {
  const std::string minutes = std::to_string(page.minutes);
  // "1 minute", "5 minutes"; `minutes` alone stays for templates of an operator's that use it.
  const std::string time_left = minutes + (page.minutes == 1 ? " minute" : " minutes");
  Values v;
  v.text("csrf", page.csrf)
      .text("username", page.username)
      .text("minutes", minutes)
      .text("time_left", time_left)
      .text("error", page.error);
  return document(templates, "Confirm it's you", templates.at("reauthenticate.html").render(v));
}

std::string render_page(const Templates& templates, const LogoutConfirmPage& page) {
  const Template& field = templates.at("hidden_field.html");
  Html hidden;
  for (const HiddenField& h : page.hidden) {
    Values f;
    f.text("name", h.name).text("value", h.value);
    hidden += field.render(f);
  }
  Values v;
  v.text("action", checked_url(page.action))
      .text("csrf", page.csrf)
      .html("hidden_fields", hidden)
      .text("cancel_url", checked_url(page.cancel_url));
  return document(templates, "Sign out", templates.at("logout_confirm.html").render(v));
}

std::string render_page(const Templates& templates, const LoggedOutPage&) {
  return document(templates, "Signed out", templates.at("logged_out.html").render(Values{}));
}

std::string render_page(const Templates& templates, const ErrorPage& page) {
  Values v;
  v.text("title", page.title).text("message", page.message).text("detail", page.detail);
  return document(templates, page.title, templates.at("error.html").render(v));
}

std::string render_page(const Templates& templates, const ForgotPasswordPage& page) {
  Values v;
  v.text("action", checked_url(page.action))
      .text("csrf", page.csrf)
      .text("email", page.email)
      .text("error", page.error)
      .flag("sent", page.sent)
      .text("login_url", checked_url(page.login_url));
  return document(templates, page.sent ? "Check your email" : "Reset your password",
                  templates.at("forgot_password.html").render(v));
}

std::string render_page(const Templates& templates, const ResetPasswordPage& page) {
  Values v;
  v.text("action", checked_url(page.action))
      .text("csrf", page.csrf)
      .text("token", page.token)
      .text("username", page.username)
      .flag("code", page.code)
      .text("error", page.error)
      .text("password_hint", page.password_hint)
      .flag("done", page.done)
      .text("login_url", checked_url(page.login_url));
  return document(templates, page.done ? "Your password was changed" : "Choose a new password",
                  templates.at("reset_password.html").render(v));
}

std::string render_page(const Templates& templates, const VerifyEmailPage& page) {
  Values v;
  v.text("action", checked_url(page.action))
      .text("csrf", page.csrf)
      .text("token", page.token)
      .text("email", page.email)
      .flag("done", page.done)
      .text("error", page.error)
      .text("login_url", checked_url(page.login_url));
  return document(templates, page.done ? "Your address is verified" : "Confirm your email address",
                  templates.at("verify_email.html").render(v));
}

}  // namespace latchkey::web
