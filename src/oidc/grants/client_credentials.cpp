// grant_type=client_credentials (RFC 6749 section 4.4): a service acting for
// itself. Only confidential clients registered for it; `sub` is the client;
// no session, no refresh token (4.4.3: SHOULD NOT), no id_token.
#include "oidc/grants/grants.hpp"

namespace latchkey::oidc {

GrantResult client_credentials_grant(const GrantRequest& r) {
  const ClientMetadata& m = r.client.metadata;
  if (m.is_public() || !m.allows_grant("client_credentials"))
    return tl::unexpected(OAuthError::make(OAuthErrorCode::unauthorized_client, "client_credentials is not registered for this client"));
  auto it = r.form.find("scope");
  std::string scope;
  for (const std::string& s : scope_list(it == r.form.end() ? std::string_view{} : std::string_view(it->second))) {
    // A person's scopes mean nothing without a person.
    if (s == "openid" || s == "offline_access" || !m.allows_scope(s))
      return tl::unexpected(OAuthError::make(OAuthErrorCode::invalid_scope, "scope not allowed for this client"));
    scope += (scope.empty() ? "" : " ") + s;
  }
  auth::Service& service = r.provider.service;
  const UnixSeconds now = service.clock()();
  boost::json::object out{{"token_type", "Bearer"}, {"expires_in", service.options().access_ttl}};
  if (!scope.empty()) out["scope"] = scope;
  return Granted{std::move(out), [&service, client_id = r.client.id, scope, now](boost::json::object& body) {
                   body["access_token"] = service.issuer().service_token(client_id, scope, now);
                 }};
}

}  // namespace latchkey::oidc
