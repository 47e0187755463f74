// GET and POST /userinfo (OpenID Connect Core 5.3): the claims of the
// person an access token of ours was issued for, by its scopes. The token
// comes as a Bearer header or, in a POST, as the access_token form field
// (RFC 6750 2.1, 2.2); errors follow RFC 6750 3.1.
#include "oidc/user_claims.hpp"
#include "api/middleware.hpp"
#include "oidc/endpoints/endpoints.hpp"
#include "oidc/grants/grants.hpp"

namespace latchkey::oidc {

namespace {

http::Response bearer_error(unsigned status, std::string_view error, std::string_view description) {
  http::Response r;
  r.status = status;
  // RFC 6750 3.1: a request without credentials gets no error code, but a
  // JSON answer still says what is missing.
  r.body = boost::json::serialize(boost::json::object{{"error", error.empty() ? "invalid_request" : error},
                                                      {"error_description", description}});
  std::string challenge = "Bearer realm=\"latchkey\"";
  if (!error.empty()) challenge += ", error=\"" + std::string(error) + "\"";
  r.headers.emplace_back("WWW-Authenticate", std::move(challenge));
  return r;
}

}  // namespace

Answer userinfo(const Provider& p, const http::Request& req) {
  std::string token;
  if (auto bearer = api::bearer_token(req)) {
    token = std::string(*bearer);
  } else if (req.method == "POST" && req.header("Authorization").empty()) {
    auto form = http::parse_form(req.body);
    if (form) {
      if (auto it = form->find("access_token"); it != form->end()) token = it->second;
    }
  }
  // RFC 6750 3.1: no credentials at all get the challenge without an error code.
  if (token.empty()) co_return bearer_error(401, "", "an access token is required");
  auto caller = p.service.authenticator().authenticate(token);
  if (!caller) co_return bearer_error(401, "invalid_token", "the access token is invalid, expired or revoked");
  const token::VerifiedToken& t = *caller->token;
  // Only tokens a client received for a person who allowed openid.
  if (t.client_id.empty() || !has_scope(t.scope, "openid"))
    co_return bearer_error(403, "insufficient_scope", "the token was not issued with the openid scope");
  const std::string user_id(caller->user_id);
  auto user = co_await p.pool.run([&] { return p.service.store().users().find_by_id(user_id); });
  if (!user || (!*user && user->error() != store::StoreError::not_found)) co_return bearer_error(503, "", "try again");
  if (!*user || (*user)->disabled_at) co_return bearer_error(401, "invalid_token", "the account is gone or disabled");
  boost::json::object claims{{"sub", (*user)->id}};
  add_user_claims(claims, **user, t.scope);
  http::Response r;
  r.body = boost::json::serialize(claims);
  co_return r;
}

}  // namespace latchkey::oidc
