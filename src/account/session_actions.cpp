// Ending sessions from the account page: one (not this one: that is "Sign
// out"), every other, or this browser's.
#include "account/pages.hpp"
#include "api/middleware.hpp"
#include "oidc/endpoints/pages.hpp"

namespace latchkey::account {

Answer end_session(const oidc::Provider& p, const http::Request& req) {
  auto v = co_await visit(p, req, true);
  if (!v) co_return std::move(v.error());
  const std::string session_id(http::form_field(v->form, "session_id"));
  if (session_id.empty() || session_id == v->session.session.id)
    co_return oidc::error_page(p, req, 400, "Invalid request", "Choose a session to sign out.");
  const auth::Principal caller = v->caller();
  const auth::Client client = api::client_of(req);
  auto r = co_await p.pool.run([&] {
    return p.service.sessions().logout(caller, auth::LogoutTarget{std::nullopt, session_id}, client);
  });
  if (!r) co_return busy_page(p, req);
  if (!*r && r->error() == auth::AuthError::session_not_found)
    co_return oidc::error_page(p, req, 404, "Session not found", "That session has already ended.");
  if (!*r) co_return busy_page(p, req);
  co_return back_to_account("session_ended");
}

Answer end_other_sessions(const oidc::Provider& p, const http::Request& req) {
  auto v = co_await visit(p, req, true);
  if (!v) co_return std::move(v.error());
  const auth::Principal caller = v->caller();
  const auth::Client client = api::client_of(req);
  auto r = co_await p.pool.run([&] { return p.service.sessions().logout_all(caller, true, client); });
  if (!r || !*r) co_return busy_page(p, req);
  co_return back_to_account("others_ended");
}

Answer sign_out(const oidc::Provider& p, const http::Request& req) {
  auto v = co_await visit(p, req, true);
  if (!v) co_return std::move(v.error());
  const auth::Client client = api::client_of(req);
  auto r = co_await p.pool.run([&] { return p.browsers.end(v->session, client); });
  if (!r || !*r) co_return busy_page(p, req);
  http::Response page = oidc::logged_out_page(p, req);
  oidc::clear_session_cookie(p, page);
  co_return page;
}

}  // namespace latchkey::account
