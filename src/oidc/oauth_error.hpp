#pragma once
// The error codes an OAuth 2.0 / OpenID Connect provider answers with, and
// their two wire forms: a JSON body {"error", "error_description"} (token,
// registration and resource endpoints: RFC 6749 section 5.2, RFC 7591
// section 3.2.2, RFC 6750 section 3) and the query of an error redirect
// (RFC 6749 section 4.1.2.1; authorization_request.hpp builds that one).
//
// error_description is shown to developers, and travels in a Location header
// and in JSON: RFC 6749 restricts it to %x20-21 / %x23-5B / %x5D-7E (printable
// ASCII without '"' and '\'). OAuthError::make keeps only those characters
// and caps the length, so a description built from request input can never
// inject a header, break a quoted WWW-Authenticate value or grow unbounded.
#include <cstddef>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace latchkey::oidc {

enum class OAuthErrorCode {
  // RFC 6749 sections 4.1.2.1 (authorization) and 5.2 (token).
  invalid_request,
  invalid_client,
  invalid_grant,
  unauthorized_client,
  unsupported_grant_type,
  invalid_scope,
  access_denied,
  unsupported_response_type,
  server_error,
  temporarily_unavailable,
  // OpenID Connect Core 1.0 section 3.1.2.6.
  interaction_required,
  login_required,
  account_selection_required,
  consent_required,
  invalid_request_uri,
  invalid_request_object,
  request_not_supported,
  request_uri_not_supported,
  registration_not_supported,
  // RFC 6750 section 3.1 (bearer tokens at a protected resource).
  invalid_token,
  insufficient_scope,
  // RFC 7591 section 3.2.2 (dynamic registration).
  invalid_redirect_uri,
  invalid_client_metadata,
};

// The code as it goes on the wire ("invalid_request", ...).
std::string_view name_of(OAuthErrorCode code);

// Longest error_description kept, in bytes (characters: it is ASCII).
inline constexpr std::size_t kMaxErrorDescription = 256;

// `text` with every character outside RFC 6749's error_description set
// dropped (CR, LF, other controls, '"', '\', DEL, every byte of non-ASCII
// UTF-8), then cut to kMaxErrorDescription.
std::string sanitize_error_description(std::string_view text);

struct OAuthError {
  OAuthErrorCode code = OAuthErrorCode::server_error;
  std::string description;  // may be empty: then no error_description is sent

  // The way to make one: the description sanitised (see above).
  static OAuthError make(OAuthErrorCode code, std::string_view description = {});
};

// {"error": ..., "error_description": ...} (the description only when not
// empty; sanitised again, as the struct can be filled by hand).
boost::json::object to_json(const OAuthError& e);

// The HTTP status a JSON error answer carries (token endpoint, RFC 6749 5.2;
// protected resources, RFC 6750 3.1): 401 for invalid_client (the caller adds
// WWW-Authenticate when the client used HTTP authentication) and
// invalid_token, 403 for insufficient_scope, 500 server_error, 503
// temporarily_unavailable, 400 for everything else.
int http_status(OAuthErrorCode code);

}  // namespace latchkey::oidc
