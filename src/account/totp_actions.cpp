// The authenticator app from the account page: set up (a fresh credential
// first), confirmed by its first code (then the recovery codes, once, when
// the person had none), removed (a fresh credential first).
#include "account/pages.hpp"
#include "api/middleware.hpp"
#include "mfa/qr_svg.hpp"
#include "oidc/endpoints/pages.hpp"
#include "web/pages.hpp"

namespace latchkey::account {

namespace {

http::Response setup_page(const oidc::Provider& p, const http::Request& req, const mfa::TotpSetup& setup,
                          std::string_view error = {}, unsigned status = 200) {
  web::TotpSetupPage page;
  page.secret = setup.secret;
  if (const auto qr = mfa::qr_geometry(setup.uri)) {
    page.qr_size = qr->size;
    page.qr_path = qr->path;
  }
  page.error = std::string(error);
  return oidc::render_with_csrf(p, req, std::move(page), status);
}

http::Response codes_page(const oidc::Provider& p, const http::Request& req, const std::vector<std::string>& codes) {
  return oidc::page_with_csrf(p, req, [&](const std::string&) {
    return web::render_page(p.pages, web::RecoveryCodesPage{codes});
  });
}

}  // namespace

Answer totp_setup(const oidc::Provider& p, const http::Request& req) {
  auto v = co_await visit(p, req, true);
  if (!v) co_return std::move(v.error());
  if (!fresh(p, v->session)) co_return reauthenticate_page(p, req, v->session);
  if (!p.mfa.enrolment().totp_available())
    co_return oidc::error_page(p, req, 403, "Not available", "Authenticator apps are not available on this server.");
  const auth::Client client = api::client_of(req);
  auto r = co_await p.pool.run([&] { return p.mfa.enrolment().begin_totp(v->session.user, client); });
  if (!r) co_return busy_page(p, req);
  if (!*r && r->error() == auth::AuthError::factor_exists) co_return back_to_account("totp_on");
  if (!*r) co_return busy_page(p, req);
  co_return setup_page(p, req, **r);
}

Answer totp_confirm(const oidc::Provider& p, const http::Request& req) {
  auto v = co_await visit(p, req, true);
  if (!v) co_return std::move(v.error());
  const std::string code(http::form_field(v->form, "code"));
  const bool end_others = http::form_field(v->form, "end_others") == "1";
  const auth::Principal caller = v->caller();
  const auth::Client client = api::client_of(req);
  mfa::Enrolment& enrolment = p.mfa.enrolment();
  struct Outcome {
    auth::Expected<std::vector<std::string>> codes;
    std::optional<mfa::TotpSetup> again;  // a wrong code: the setup, shown again
  };
  auto r = co_await p.pool.run([&]() -> Outcome {
    Outcome o{enrolment.confirm_totp(v->session.user, code, client), std::nullopt};
    if (o.codes && end_others) (void)p.service.sessions().logout_all(caller, true, client);
    if (!o.codes && o.codes.error() == auth::AuthError::mfa_code_invalid) {
      if (auto setup = enrolment.pending_totp(v->session.user)) o.again = std::move(*setup);
    }
    return o;
  });
  if (!r) co_return busy_page(p, req);
  if (r->again)
    co_return setup_page(p, req, *r->again, "That code did not work. Check the time on your phone and try again.", 400);
  if (!r->codes) {
    if (r->codes.error() == auth::AuthError::factor_exists) co_return back_to_account("totp_on");
    if (r->codes.error() == auth::AuthError::factor_not_found || r->codes.error() == auth::AuthError::mfa_code_invalid)
      co_return back_to_account("totp_setup_expired");
    co_return busy_page(p, req);
  }
  if (r->codes->empty()) co_return back_to_account("totp_on");
  co_return codes_page(p, req, *r->codes);
}

Answer totp_remove(const oidc::Provider& p, const http::Request& req) {
  auto v = co_await visit(p, req, true);
  if (!v) co_return std::move(v.error());
  if (!fresh(p, v->session)) co_return reauthenticate_page(p, req, v->session);
  const auth::Client client = api::client_of(req);
  auto r = co_await p.pool.run([&] { return p.mfa.enrolment().remove_totp(v->session.user, client); });
  if (!r || (!*r && r->error() != auth::AuthError::factor_not_found)) co_return busy_page(p, req);
  co_return back_to_account("totp_off");
}

Answer new_recovery_codes(const oidc::Provider& p, const http::Request& req) {
  auto v = co_await visit(p, req, true);
  if (!v) co_return std::move(v.error());
  if (!fresh(p, v->session)) co_return reauthenticate_page(p, req, v->session);
  const auth::Client client = api::client_of(req);
  auto r = co_await p.pool.run([&] { return p.mfa.enrolment().new_recovery_codes(v->session.user, client); });
  if (!r || !*r) co_return busy_page(p, req);
  co_return codes_page(p, req, **r);
}

}  // namespace latchkey::account
