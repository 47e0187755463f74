// GET /.well-known/openid-configuration (OpenID Connect Discovery 1.0
// section 3): what this provider actually does, and nothing it does not.
#include "oidc/endpoints/endpoints.hpp"
#include "oidc/id_token.hpp"

namespace latchkey::oidc {

namespace json = boost::json;

Answer discovery(const Provider& p, const http::Request&) {
  const std::string& iss = p.options.issuer;
  json::array algs;
  for (const std::string& alg : id_token_algs(*p.service.tokens().keys())) algs.emplace_back(alg);
  json::object doc{
      {"issuer", iss},
      {"authorization_endpoint", p.urls.authorization},
      {"token_endpoint", p.urls.token},
      {"userinfo_endpoint", p.urls.userinfo},
      {"end_session_endpoint", p.urls.end_session},
      {"jwks_uri", p.urls.jwks},
      {"introspection_endpoint", iss + "/introspect"},
      {"introspection_endpoint_auth_methods_supported", json::array{"client_secret_basic"}},
      {"revocation_endpoint", iss + "/revoke"},
      {"revocation_endpoint_auth_methods_supported", json::array{"none"}},
      {"response_types_supported", json::array{"code"}},
      {"response_modes_supported", json::array{"query"}},
      {"grant_types_supported", json::array{"authorization_code", "refresh_token", "client_credentials"}},
      {"code_challenge_methods_supported", json::array{"S256"}},
      {"token_endpoint_auth_methods_supported",
       json::array{"client_secret_basic", "client_secret_post", "private_key_jwt", "none"}},
      {"token_endpoint_auth_signing_alg_values_supported", json::array{"RS256", "ES256", "EdDSA"}},
      {"id_token_signing_alg_values_supported", algs},
      {"subject_types_supported", json::array{"public"}},
      {"scopes_supported", json::array{"openid", "profile", "email", "offline_access"}},
      {"claims_supported", json::array{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid", "azp",
                                       "amr", "acr", "preferred_username", "email", "email_verified"}},
      {"prompt_values_supported", json::array{"none", "login", "consent"}},
      {"backchannel_logout_supported", true},
      {"backchannel_logout_session_supported", true},
      {"authorization_response_iss_parameter_supported", true},
      {"request_parameter_supported", false},
      {"request_uri_parameter_supported", false},
      {"claims_parameter_supported", false},
  };
  // Only where POST /register answers: without ADMIN_TOKEN it is off.
  if (p.options.registration_open) doc["registration_endpoint"] = p.urls.registration;
  http::Response r;
  r.body = json::serialize(doc);
  r.cache_control = "public, max-age=300";
  co_return r;
}

}  // namespace latchkey::oidc
