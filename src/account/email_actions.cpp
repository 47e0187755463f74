// POST /account/email-address: a new address, with the current password (itself
// the fresh credential); a link goes to it, and it replaces the old one
// once opened (email/addresses.hpp). POST /account/email-address/resend: the link
// to an address not verified yet, again.
#include "account/pages.hpp"
#include "api/middleware.hpp"
#include "email/addresses.hpp"

namespace latchkey::account {

namespace {

std::string_view outcome_of(auth::AuthError e) {
  switch (e) {
    case auth::AuthError::invalid_credentials:
    case auth::AuthError::password_required: return "wrong_password";
    case auth::AuthError::email_invalid: return "email_invalid";
    case auth::AuthError::email_taken: return "email_taken";
    case auth::AuthError::email_already_verified: return "email_same";
    case auth::AuthError::rate_limited: return "email_limited";
    default: return {};
  }
}

}  // namespace

Answer change_email(const oidc::Provider& p, const http::Request& req) {
  auto v = co_await visit(p, req, true);
  if (!v) co_return std::move(v.error());
  const std::string given(http::form_field(v->form, "email"));
  const std::string password(http::form_field(v->form, "password"));
  const auth::Principal caller = v->caller();
  const auth::Client client = api::client_of(req);
  auto address = email::address_of(given);
  if (!address) co_return back_to_account("email_invalid");
  // The limits, argon2id and the link's write: the hashing lane (as /account/email).
  auto r = co_await p.pool.run_hashing([&]() -> auth::Expected<std::string> {
    if (auto ok = p.email.admit_mail_request(*address, client); !ok) return tl::unexpected(ok.error());
    return p.email.addresses().change(caller, *address, password, client);
  });
  if (r && *r) co_return back_to_account("email_sent");
  if (r) {
    if (const std::string_view o = outcome_of((*r).error()); !o.empty()) co_return back_to_account(o);
  }
  co_return busy_page(p, req);
}

Answer resend_email(const oidc::Provider& p, const http::Request& req) {
  auto v = co_await visit(p, req, true);
  if (!v) co_return std::move(v.error());
  const auth::Principal caller = v->caller();
  const auth::Client client = api::client_of(req);
  auto r = co_await p.pool.run([&] { return p.email.resend(caller, client); });
  if (r && *r) co_return back_to_account("email_resent");
  if (r) {
    if (const std::string_view o = outcome_of((*r).error()); !o.empty()) co_return back_to_account(o);
  }
  co_return busy_page(p, req);
}

}  // namespace latchkey::account
