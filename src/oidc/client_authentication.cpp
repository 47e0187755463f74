#include "oidc/client_authentication.hpp"

#include "crypto/digest.hpp"
#include "http/basic_credentials.hpp"
#include "oidc/client_assertion.hpp"
#include "oidc/authorization_request.hpp"
#include "token/compact_jws.hpp"

namespace latchkey::oidc {

namespace {

constexpr std::string_view kJwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
constexpr std::size_t kMaxSecret = 512;

OAuthError invalid_client(std::string_view why = "client authentication failed") {
  return OAuthError::make(OAuthErrorCode::invalid_client, why);
}

// The client an assertion names (its `sub`), read before its signature can
// be checked: only to find whose keys check it.
std::optional<std::string> assertion_subject(std::string_view assertion) {
  auto jws = token::parse_compact_jws(assertion, kMaxAssertion);
  if (!jws) return std::nullopt;
  const boost::json::string* sub = token::string_claim(jws->payload, "sub");
  if (!sub || sub->empty() || sub->size() > kMaxClientId) return std::nullopt;
  return std::string(*sub);
}

}  // namespace

tl::expected<PresentedCredentials, OAuthError> presented_credentials(const http::Request& req,
                                                                    const http::FormFields& form) {
  PresentedCredentials c;
  const std::string_view body_id = http::form_field(form, "client_id");
  const std::string_view body_secret = http::form_field(form, "client_secret");
  const std::string_view assertion = http::form_field(form, "client_assertion");
  const bool basic = http::uses_basic(req);
  const int methods = int(basic) + int(!body_secret.empty()) + int(!assertion.empty());
  // RFC 6749 2.3: "MUST NOT use more than one authentication method in each request".
  if (methods > 1) return tl::unexpected(OAuthError::make(OAuthErrorCode::invalid_request, "more than one client authentication method"));
  if (basic) {
    auto creds = http::basic_credentials(req);
    if (!creds) return tl::unexpected(invalid_client());
    // RFC 6749 2.3.1: both parts are form-urlencoded before base64.
    auto id = http::percent_decode(creds->id, http::Plus::space);
    auto secret = http::percent_decode(creds->secret, http::Plus::space);
    if (!id || !secret) return tl::unexpected(invalid_client());
    if (!body_id.empty() && body_id != *id) return tl::unexpected(OAuthError::make(OAuthErrorCode::invalid_request, "client_id differs from the Basic credentials"));
    c.method = AuthMethod::client_secret_basic;
    c.client_id = std::move(*id);
    c.secret = std::move(*secret);
  } else if (!assertion.empty()) {
    if (http::form_field(form, "client_assertion_type") != kJwtBearer)
      return tl::unexpected(OAuthError::make(OAuthErrorCode::invalid_request, "client_assertion_type must be jwt-bearer"));
    c.method = AuthMethod::private_key_jwt;
    c.assertion = std::string(assertion);
    c.client_id = std::string(body_id);  // may be empty: the assertion's sub names the client
  } else {
    c.method = body_secret.empty() ? AuthMethod::none : AuthMethod::client_secret_post;
    c.client_id = std::string(body_id);
    c.secret = std::string(body_secret);
  }
  if (c.method != AuthMethod::private_key_jwt && c.client_id.empty()) return tl::unexpected(invalid_client("client_id is required"));
  if (c.client_id.size() > kMaxClientId || c.secret.size() > kMaxSecret) return tl::unexpected(invalid_client());
  return c;
}

tl::expected<Client, OAuthError> authenticate_client(const Provider& p, const PresentedCredentials& c) {
  std::string client_id = c.client_id;
  if (c.method == AuthMethod::private_key_jwt && client_id.empty()) {
    auto sub = assertion_subject(c.assertion);
    if (!sub) return tl::unexpected(invalid_client());
    client_id = std::move(*sub);
  }
  if (c.method == AuthMethod::client_secret_basic || c.method == AuthMethod::client_secret_post) {
    // The registry checks the secret in constant time, after the same work for unknown ids.
    auto found = p.clients.authenticate(client_id, c.secret);
    if (!found) {
      if (found.error().error == RegistryError::unavailable)
        return tl::unexpected(OAuthError::make(OAuthErrorCode::temporarily_unavailable, ""));
      return tl::unexpected(invalid_client());
    }
    if (found->metadata.token_endpoint_auth_method != c.method) return tl::unexpected(invalid_client());
    return std::move(*found);
  }
  auto found = p.clients.find(client_id);
  if (!found) {
    if (found.error().error == RegistryError::unavailable)
      return tl::unexpected(OAuthError::make(OAuthErrorCode::temporarily_unavailable, ""));
    return tl::unexpected(invalid_client());
  }
  // A confidential client must prove itself: `none` is only for public ones.
  if (found->metadata.token_endpoint_auth_method != c.method) return tl::unexpected(invalid_client());
  if (c.method == AuthMethod::none) return std::move(*found);
  // private_key_jwt
  const UnixSeconds now = p.service.clock()();
  if (!found->metadata.jwks) return tl::unexpected(invalid_client());
  auto verified = verify_client_assertion(c.assertion, client_id, *found->metadata.jwks,
                                          {p.options.issuer, p.urls.token}, now, p.service.options().leeway);
  if (!verified) return tl::unexpected(verified.error());
  // RFC 7523 3 item 7: a jti once. Kept until the assertion expires.
  auto first = p.service.store().assertions().first_use(crypto::token_digest(client_id + ' ' + verified->jti),
                                                        verified->exp + p.service.options().leeway);
  if (!first) return tl::unexpected(OAuthError::make(OAuthErrorCode::temporarily_unavailable, ""));
  if (!*first) return tl::unexpected(invalid_client("client assertion already used"));
  return std::move(*found);
}

}  // namespace latchkey::oidc
