// GET /admin/users/{name}/consents and DELETE
// /admin/users/{name}/consents/{client_id}: what a person let each client
// do, and taking it back for them (that client's sessions of theirs end too;
// audited with the actor admin-api).
#include <boost/json.hpp>

#include "api/admin_context.hpp"
#include "api/json_io.hpp"

namespace latchkey::api {

namespace json = boost::json;
using boost::asio::awaitable;
using http::Request;
using http::Response;

awaitable<Response> user_consents(const AdminContext& api, const Request& req) {
  oidc::Consents& consents = *api.options.consents;
  co_return co_await api.run(
      [&]() -> auth::Expected<std::vector<oidc::NamedConsent>> {
        auto user = api.admin.show_user(req.param("name"));
        if (!user) return tl::unexpected(user.error());
        return consents.named(user->user.id);
      },
      [](const std::vector<oidc::NamedConsent>& rows) {
        json::array out;
        for (const oidc::NamedConsent& c : rows) out.push_back(oidc::to_json(c));
        return json_response(200, json::object{{"consents", std::move(out)}});
      });
}

awaitable<Response> revoke_user_consent(const AdminContext& api, const Request& req) {
  oidc::Consents& consents = *api.options.consents;
  const auth::Client from{req.header("User-Agent"), req.remote_ip};
  auto r = co_await api.pool.run([&]() -> auth::Expected<void> {
    auto user = api.admin.show_user(req.param("name"));
    if (!user) return tl::unexpected(user.error());
    return consents.revoke(user->user.id, req.param("client_id"), "admin-api", from);
  });
  if (r && !*r && r->error() == auth::AuthError::session_not_found)
    co_return http::json_error(404, "consent_not_found", "This user has no consent for this client");
  co_return reply(api.errors, r, [] { return admin_message(200, "Consent revoked"); });
}

}  // namespace latchkey::api
