// GET /consents and DELETE /consents/{client_id}: the apps a person let
// sign them in, and taking that back (their sessions of that app end too).
// Bearer: the person's own access token.
#include "api/json_io.hpp"
#include "api/middleware.hpp"
#include "oidc/endpoints/endpoints.hpp"

namespace latchkey::oidc {

namespace json = boost::json;

Answer list_consents(const Provider& p, const http::Request& req) {
  const auth::Principal caller = api::principal_of(req);
  const std::string user_id(caller.user_id);
  auto rows = co_await p.pool.run([&] { return p.consents.named(user_id); });
  if (!rows || !*rows) co_return http::json_error(503, "unavailable", "try again");
  json::array out;
  for (const NamedConsent& c : **rows) out.push_back(to_json(c));
  co_return api::json_response(200, json::object{{"consents", std::move(out)}});
}

Answer revoke_consent(const Provider& p, const http::Request& req) {
  const auth::Principal caller = api::principal_of(req);
  const std::string user_id(caller.user_id);
  const std::string client_id(req.param("client_id"));
  const auth::Client from = api::client_of(req);
  auto r = co_await p.pool.run([&] { return p.consents.revoke(user_id, client_id, "user", from); });
  if (!r) co_return http::json_error(503, "unavailable", "try again");
  if (!*r) {
    if (r->error() == auth::AuthError::session_not_found)
      co_return http::json_error(404, "not_found", "no consent to this client");
    co_return http::json_error(503, "unavailable", "try again");
  }
  co_return api::json_response(200, json::object{{"message", "Consent revoked"}});
}

}  // namespace latchkey::oidc
