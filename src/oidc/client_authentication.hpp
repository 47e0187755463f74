#pragma once
// Who is calling the token endpoint (RFC 6749 section 2.3, OpenID Connect
// Core section 9): exactly one method per request, and only the one the
// client registered (token_endpoint_auth_method):
//  - client_secret_basic: `Authorization: Basic` with the form-urlencoded
//    id and secret (RFC 6749 2.3.1);
//  - client_secret_post: client_id and client_secret in the body;
//  - private_key_jwt: a JWT signed with a key of the client's registered
//    JWKS (RFC 7523 section 2.2), each jti used once;
//  - none: a public client names itself with client_id (and proves
//    possession with PKCE later).
// Every failure is invalid_client: which part was wrong is not said.
#include <string>

#include <tl/expected.hpp>

#include "http/form.hpp"
#include "http/message.hpp"
#include "oidc/client_registry.hpp"
#include "oidc/oauth_error.hpp"
#include "oidc/provider.hpp"

namespace latchkey::oidc {

struct PresentedCredentials {
  AuthMethod method = AuthMethod::none;
  std::string client_id;
  std::string secret;     // client_secret_basic / client_secret_post
  std::string assertion;  // private_key_jwt
};

// What the request presents; invalid_request when it mixes methods or
// is malformed, invalid_client when it names no client. Non-blocking.
tl::expected<PresentedCredentials, OAuthError> presented_credentials(const http::Request& req,
                                                                    const http::FormFields& form);

// The client, once its credentials hold. Blocking (the registry, the used
// assertions): run it on the database lane.
tl::expected<Client, OAuthError> authenticate_client(const Provider& p, const PresentedCredentials& c);

}  // namespace latchkey::oidc
