// Removing an app's access from the account page: the remembered consent
// goes (the app asks again next time), as DELETE /consents/{client_id} does.
#include "account/pages.hpp"
#include "api/middleware.hpp"
#include "oidc/endpoints/pages.hpp"

namespace latchkey::account {

Answer revoke_app(const oidc::Provider& p, const http::Request& req) {
  auto v = co_await visit(p, req, true);
  if (!v) co_return std::move(v.error());
  const std::string client_id(http::form_field(v->form, "client_id"));
  if (client_id.empty() || client_id.size() > 256)
    co_return oidc::error_page(p, req, 400, "Invalid request", "Choose an app.");
  const auth::Client client = api::client_of(req);
  auto r = co_await p.pool.run([&] { return p.consents.revoke(v->session.user.id, client_id, "user", client); });
  if (!r) co_return busy_page(p, req);
  if (!*r && r->error() == auth::AuthError::session_not_found)
    co_return oidc::error_page(p, req, 404, "App not found", "That app has no access to remove.");
  if (!*r) co_return busy_page(p, req);
  co_return back_to_account("app_removed");
}

}  // namespace latchkey::account
