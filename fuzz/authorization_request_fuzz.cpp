// libFuzzer target: the authorization request (oidc/authorization_request.hpp),
// which any browser can send to /authorize, and the redirects that answer it.
//
// The input is a query string (http::parse_form decodes it, as for a GET);
// the first byte picks the client: public or confidential, which scopes.
// Besides crashes, leaks and undefined behaviour it checks:
//  - identify() accepts only a non-empty printable client_id within its bound;
//  - validate() either refuses with an RFC 6749 / OpenID Connect error code
//    (the ones the endpoint may send), or accepts a request that keeps every
//    rule: response_type code, scopes the client may ask for, each once, a
//    public client's S256 challenge, state / nonce / login_hint within their
//    bounds and free of control characters, prompt=none alone;
//  - the code and error redirects start with the redirect URI, carry no CR,
//    LF or space, and end with the issuer (RFC 9207).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "http/form.hpp"
#include "oidc/authorization_request.hpp"
#include "oidc/client_metadata.hpp"
#include "oidc/oauth_error.hpp"

namespace {

using namespace latchkey;
using namespace latchkey::oidc;

void require(bool ok) {
  if (!ok) std::abort();
}

constexpr std::string_view kRedirect = "https://app.example/cb?from=fuzz";
constexpr std::string_view kIssuer = "https://id.example";

ClientMetadata client_for(unsigned char pick) {
  ClientMetadata m;
  m.redirect_uris = {std::string(kRedirect)};
  m.grant_types = {"authorization_code", "refresh_token"};
  m.token_endpoint_auth_method = pick & 1 ? AuthMethod::none : AuthMethod::client_secret_basic;
  m.scope = pick & 2 ? "openid profile email offline_access" : "openid";
  return m;
}

bool clean_text(const std::string& s, std::size_t max) {
  if (s.size() > max) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

bool allowed_code(OAuthErrorCode c) {
  switch (c) {
    case OAuthErrorCode::invalid_request:
    case OAuthErrorCode::unsupported_response_type:
    case OAuthErrorCode::unauthorized_client:
    case OAuthErrorCode::invalid_scope:
    case OAuthErrorCode::request_not_supported:
    case OAuthErrorCode::request_uri_not_supported:
    case OAuthErrorCode::registration_not_supported:
      return true;
    default:
      return false;
  }
}

void check_redirect(const std::string& uri) {
  require(uri.starts_with(kRedirect));
  require(uri.find_first_of("\r\n \t") == std::string::npos);
  std::string iss = "iss=";
  http::percent_encode(kIssuer, iss);
  require(uri.ends_with(iss));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ClientMetadata client = client_for(data[0]);
  const std::string_view query(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto fields = http::parse_form(query);
  if (!fields) return 0;

  auto ref = identify(*fields);
  if (!ref) {
    require(!ref.error().description.empty());
  } else {
    require(!ref->client_id.empty() && ref->client_id.size() <= kMaxClientId);
    for (char c : ref->client_id) require(c >= 0x20 && c < 0x7f);  // VSCHAR (RFC 6749 A.1)
    require(ref->redirect_uri.size() <= kMaxRequestRedirectUri);
  }

  // validate() runs after the caller matched the redirect URI: here, always the registered one.
  auto r = validate(*fields, client, kRedirect);
  if (!r) {
    require(allowed_code(r.error().code));
    check_redirect(error_redirect_uri(kRedirect, r.error(), state_of(*fields), kIssuer));
    return 0;
  }
  require(r->redirect_uri == kRedirect);
  require(http::form_field(*fields, "response_type") == "code");
  require(!r->scopes.empty());
  std::set<std::string> seen;
  for (const auto& s : r->scopes) {
    require(client.allows_scope(s));
    require(seen.insert(s).second);
  }
  if (client.is_public()) require(!r->code_challenge.empty());
  if (!r->code_challenge.empty()) require(http::form_field(*fields, "code_challenge_method") == "S256");
  if (r->state) require(clean_text(*r->state, kMaxState) && *r->state == http::form_field(*fields, "state"));
  if (r->nonce) require(clean_text(*r->nonce, kMaxNonce) && !r->nonce->empty());
  if (r->login_hint) require(clean_text(*r->login_hint, kMaxLoginHint));
  if (r->prompt.none) require(!r->prompt.login && !r->prompt.consent && !r->prompt.select_account);
  if (r->max_age) require(*r->max_age >= 0 && *r->max_age <= kMaxMaxAge);
  check_redirect(code_redirect_uri(kRedirect, "c0de", r->state, kIssuer));
  return 0;
}
