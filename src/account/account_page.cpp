// GET /account: the person's own page, on the browser session. Where they
// are signed in (every live session, this one marked), the apps they
// allowed, and their security settings. Without a session: the sign-in
// page, which comes back here.
#include "account/account_context.hpp"
#include "account/pages.hpp"
#include "oidc/endpoints/pages.hpp"
#include "web/pages.hpp"

namespace latchkey::account {

namespace {

// "2026-12-05 17:20 UTC": minutes are enough for a person.
std::string shown_time(UnixSeconds t) {
  std::string s = format_rfc3339(t);  // 2026-12-05T17:20:31Z
  if (s.size() >= 16) s = s.substr(0, 10) + " " + s.substr(11, 5) + " UTC";
  return s;
}

// What the last action did: the only notices the page shows (never text
// from the query itself).
std::string_view notice_of(std::string_view done) {
  if (done == "session_ended") return "That session is signed out.";
  if (done == "others_ended") return "You are signed out everywhere else.";
  if (done == "app_removed") return "That app no longer has access. It asks again next time.";
  if (done == "password_changed") return "Password changed. You are signed out everywhere else.";
  if (done == "totp_on") return "Two-step verification is on.";
  if (done == "totp_off") return "The authenticator app is removed: your password alone signs you in.";
  if (done == "confirmed") return "Thanks. You can change your security settings now.";
  if (done == "passkey_added") return "Passkey added. Use it to sign in here, or as the second step after your password.";
  if (done == "passkey_removed") return "Passkey removed.";
  if (done == "passkey_renamed") return "Passkey renamed.";
  if (done == "email_sent") return "A link is on its way to the new address. It takes effect once you open it.";
  if (done == "email_resent") return "A new link is on its way to your address.";
  return {};
}

// What went wrong, for the alert.
std::string_view error_of(std::string_view done) {
  if (done == "wrong_password") return "Your current password is wrong. Nothing was changed.";
  if (done == "email_invalid") return "That email address is not valid. Nothing was changed.";
  if (done == "email_taken") return "Another account has that address. Nothing was changed.";
  if (done == "email_same") return "That is your address already.";
  if (done == "email_limited") return "Too many messages asked for. Please wait a while and try again.";
  if (done == "passwords_required") return "Enter your current password and a new one.";
  if (done == "password_too_short") return "The new password is too short. Nothing was changed.";
  if (done == "password_too_long") return "The new password is too long. Nothing was changed.";
  if (done == "password_common") return "The new password is too common; choose another. Nothing was changed.";
  if (done == "password_is_username") return "The new password must not be your username. Nothing was changed.";
  if (done == "totp_setup_expired") return "That setup is no longer pending. Start again.";
  return {};
}

struct Content {
  std::vector<auth::SessionInfo> sessions;
  std::vector<oidc::NamedConsent> consents;
  mfa::FactorStatus factors;
  std::vector<store::Passkey> passkeys;
};

}  // namespace

Answer show_account(const oidc::Provider& p, const http::Request& req) {
  auto v = co_await visit(p, req, false);
  if (!v) co_return std::move(v.error());
  const auth::Principal caller = v->caller();
  auto content = co_await p.pool.run([&]() -> auth::Expected<Content> {
    Content c;
    auto sessions = p.service.sessions().list(caller);
    if (!sessions) return tl::unexpected(sessions.error());
    c.sessions = std::move(*sessions);
    auto consents = p.consents.named(caller.user_id);
    if (!consents) return tl::unexpected(consents.error());
    c.consents = std::move(*consents);
    auto factors = p.mfa.enrolment().status(caller.user_id);
    if (!factors) return tl::unexpected(factors.error());
    c.factors = *factors;
    auto passkeys = p.mfa.passkeys().list(caller.user_id);
    if (!passkeys) return tl::unexpected(passkeys.error());
    c.passkeys = std::move(*passkeys);
    return c;
  });
  if (!content || !*content) co_return busy_page(p, req);
  const Content& c = **content;
  auto form = http::parse_form(req.query);
  const std::string_view done = form ? http::form_field(*form, "done") : std::string_view{};
  web::AccountPage page;
  page.username = v->session.user.username;
  page.notice = std::string(notice_of(done));
  page.error = std::string(error_of(done));
  for (const auto& s : c.sessions) {
    // The app sessions opened from a browser session are part of it.
    if (s.session.kind == store::kOAuthSession) continue;
    page.sessions.push_back(web::SessionRow{s.session.id, s.device, s.session.ip, shown_time(s.session.created_at),
                                            shown_time(s.session.last_used_at), s.current});
  }
  for (const oidc::NamedConsent& n : c.consents) {
    const store::Consent& consent = n.consent;
    page.apps.push_back(web::AppRow{consent.client_id, n.client_name.empty() ? consent.client_id : n.client_name,
                                    consent.scope, shown_time(consent.granted_at)});
  }
  for (const auto& k : c.passkeys)
    page.passkeys.push_back(web::PasskeyRow{k.credential_id, k.name, shown_time(k.created_at),
                                            k.last_used_at ? shown_time(*k.last_used_at) : "never"});
  page.passkeys_available = p.mfa.passkeys().available();
  page.totp = c.factors.totp;
  page.totp_available = p.mfa.enrolment().totp_available();
  page.recovery_left = c.factors.recovery_codes;
  page.password_hint = web::password_hint(p.service.options().min_password_chars);
  page.email = v->session.user.email;
  page.email_verified = v->session.user.email_verified;
  page.mail_on = p.email.options().mail_on;
  co_return oidc::render_with_csrf(p, req, std::move(page));
}

}  // namespace latchkey::account
