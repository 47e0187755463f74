// POST /account/password: the current password (itself the fresh
// credential) and a new one; every other session of the person ends, as
// /change_password does (ASVS 7.4.3). The second factor stays as it is.
#include "account/pages.hpp"
#include "api/hash_then_store.hpp"
#include "api/middleware.hpp"

namespace latchkey::account {

Answer change_password(const oidc::Provider& p, const http::Request& req) {
  auto v = co_await visit(p, req, true);
  if (!v) co_return std::move(v.error());
  const std::string current(http::form_field(v->form, "current_password"));
  const std::string replacement(http::form_field(v->form, "new_password"));
  const auth::Principal caller = v->caller();
  const auth::Client client = api::client_of(req);
  auth::Accounts& accounts = p.service.accounts();
  auto r = co_await api::hash_then_store(
      p.pool, [&] { return accounts.verify_password_change(caller, current, replacement, client); },
      [&](auth::VerifiedPasswordChange c) { return accounts.complete_password_change(std::move(c), client); });
  if (r) co_return back_to_account("password_changed");
  switch (r.error()) {
    case auth::AuthError::invalid_credentials: co_return back_to_account("wrong_password");
    case auth::AuthError::passwords_required: co_return back_to_account("passwords_required");
    case auth::AuthError::password_too_short: co_return back_to_account("password_too_short");
    case auth::AuthError::password_too_long: co_return back_to_account("password_too_long");
    case auth::AuthError::password_common: co_return back_to_account("password_common");
    case auth::AuthError::password_is_username: co_return back_to_account("password_is_username");
    default: co_return busy_page(p, req);
  }
}

}  // namespace latchkey::account
