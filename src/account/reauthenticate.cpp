// POST /account/reauthenticate: the password again before a security change
// (ASVS 7.5.1). A wrong one counts as a failed login of the account from
// this IP, whose locks apply here too. The session's auth_time moves; its
// amr stays what the sign-in proved.
#include "account/pages.hpp"
#include "api/hash_then_store.hpp"
#include "api/middleware.hpp"

namespace latchkey::account {

Answer reauthenticate(const oidc::Provider& p, const http::Request& req) {
  auto v = co_await visit(p, req, true);
  if (!v) co_return std::move(v.error());
  const std::string password(http::form_field(v->form, "password"));
  if (password.empty()) co_return reauthenticate_page(p, req, v->session, "Enter your password.", 400);
  const auth::Principal caller = v->caller();
  const auth::Client client = api::client_of(req);
  auto r = co_await api::hash_then_store(
      p.pool,
      [&] { return p.service.accounts().verify_current_password(caller, password, client, "reauthentication_failed"); },
      [&](store::User) { return p.browsers.reauthenticate(v->session, v->session.session.amr); });
  if (r) co_return back_to_account("confirmed");
  if (r.error() == auth::AuthError::invalid_credentials)
    co_return reauthenticate_page(p, req, v->session, "Wrong password.", 401);
  co_return busy_page(p, req);
}

}  // namespace latchkey::account
