#pragma once
// An authorization request (RFC 6749 section 4.1.1, OpenID Connect Core 1.0
// section 3.1.2.1), read from its already-decoded fields (http::parse_form:
// the query of a GET, the form body of a POST; a repeated field is refused
// there, RFC 6749 section 3.1), and the redirect that answers it.
//
// Two steps, because of who may hear about an error (RFC 6749 4.1.2.1):
//  1. identify(): the client and its redirect URI. Until the caller has found
//     the client and matched the redirect URI, by exact string, against the
//     registered ones, nothing may be sent to that URI: an error here is a
//     page shown to the user (PageError), never a redirect, or the server
//     would be an open redirector.
//  2. validate(): everything else, against the client's metadata. These
//     errors go back to the client on its (now trusted) redirect URI with the
//     request's state (state_of), as error_redirect_uri() writes them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "http/form.hpp"
#include "oidc/client_metadata.hpp"
#include "oidc/oauth_error.hpp"

namespace latchkey::oidc {

// The limits on what a request may carry, in bytes.
inline constexpr std::size_t kMaxClientId = 256;
inline constexpr std::size_t kMaxRequestRedirectUri = 2048;
inline constexpr std::size_t kMaxState = 1024;
inline constexpr std::size_t kMaxNonce = 512;
inline constexpr std::size_t kMaxLoginHint = 256;
inline constexpr std::size_t kMaxIdTokenHint = 8192;
inline constexpr std::size_t kMaxScope = 1024;
// max_age above ten years (of 365 days) is refused rather than clamped.
inline constexpr std::int64_t kMaxMaxAge = 10LL * 365 * 24 * 3600;

// An error to show as a page (never to redirect): a sentence for the user.
struct PageError {
  std::string description;
};

// Who asks, and where the answer should go: redirect_uri is empty when the
// request has none (the caller may then use the client's only registered
// one, RFC 6749 3.1.2.3; validate() still insists on it for OpenID requests).
struct ClientRef {
  std::string client_id;
  std::string redirect_uri;
};

// client_id present, non-empty, at most kMaxClientId bytes of printable
// ASCII (RFC 6749 appendix A.1); redirect_uri at most kMaxRequestRedirectUri.
tl::expected<ClientRef, PageError> identify(const http::FormFields& fields);

// The prompt values (OpenID Connect Core 3.1.2.1).
struct Prompt {
  bool none = false;
  bool login = false;
  bool consent = false;
  bool select_account = false;
};

struct AuthorizationRequest {
  std::string client_id;
  std::string redirect_uri;         // as passed to validate()
  std::vector<std::string> scopes;  // in the request's order, each once
  std::optional<std::string> state;  // exactly as sent (possibly empty)
  std::optional<std::string> nonce;
  std::string code_challenge;  // S256; empty when the (confidential) client sent none
  Prompt prompt;
  std::optional<std::int64_t> max_age;
  std::optional<std::string> login_hint;
  std::optional<std::string> id_token_hint;  // raw: verify it with id_token.hpp

  // Whether this is an OpenID Connect request (scope holds "openid"): only
  // then is an ID token issued. Plain OAuth requests are allowed too.
  bool openid() const;
  // The scopes joined by spaces.
  std::string scope() const;
};

// Every other rule, for the client found from identify()'s client_id and the
// redirect URI the caller matched (exactly) against client.redirect_uris:
//  - response_type exactly "code" (absent: invalid_request; anything else:
//    unsupported_response_type), and the client registered for it
//    (unauthorized_client); response_mode absent or "query";
//  - request / request_uri / registration: *_not_supported;
//  - scope required (RFC 6749 3.3: else invalid_scope), each value allowed
//    to the client (invalid_scope), duplicates collapsed; an OpenID request
//    must name redirect_uri (OIDC Core 3.1.2.1);
//  - PKCE: code_challenge_method absent means "plain" (RFC 7636 4.3), so a
//    challenge needs method S256 and "plain" is refused; a public client
//    must send an S256 challenge, a confidential one may;
//  - state, nonce, login_hint: valid UTF-8 without control characters
//    (stored, and written into JSON and pages), within their limits; an
//    empty nonce / login_hint / id_token_hint counts as absent;
//  - prompt: none, login, consent, select_account, space-separated; none
//    with any other is invalid_request;
//  - max_age: a non-negative integer up to kMaxMaxAge;
//  - any other parameter is ignored (RFC 6749 3.1).
// Errors are invalid_request unless said otherwise.
tl::expected<AuthorizationRequest, OAuthError> validate(const http::FormFields& fields, const ClientMetadata& client,
                                                        std::string_view redirect_uri);

// The request's state to echo on an error redirect: the field as sent when
// it is within kMaxState, else nothing (validate() refuses it).
std::optional<std::string> state_of(const http::FormFields& fields);

// Name and value of one response parameter.
struct QueryParam {
  std::string_view name;
  std::string_view value;
};

// `redirect_uri` with `params` then iss=`issuer` (RFC 9207, which tells the
// client which server answered: mix-up defence) added to its query: after
// '&' when it has a query already, '?' otherwise, before any fragment. Names
// and values are percent-encoded but for RFC 3986's unreserved characters.
std::string authorization_response_uri(std::string_view redirect_uri, const std::vector<QueryParam>& params,
                                       std::string_view issuer);

// The success redirect: code, state (when the request had one), iss.
std::string code_redirect_uri(std::string_view redirect_uri, std::string_view code,
                              const std::optional<std::string>& state, std::string_view issuer);

// The error redirect: error, error_description (when not empty), state
// (when the request had one), iss.
std::string error_redirect_uri(std::string_view redirect_uri, const OAuthError& error,
                               const std::optional<std::string>& state, std::string_view issuer);

}  // namespace latchkey::oidc
