#include "oidc/oauth_error.hpp"

#include <algorithm>

namespace latchkey::oidc {

std::string_view name_of(OAuthErrorCode code) {
  using C = OAuthErrorCode;
  switch (code) {
    case C::invalid_request: return "invalid_request";
    case C::invalid_client: return "invalid_client";
    case C::invalid_grant: return "invalid_grant";
    case C::unauthorized_client: return "unauthorized_client";
    case C::unsupported_grant_type: return "unsupported_grant_type";
    case C::invalid_scope: return "invalid_scope";
    case C::access_denied: return "access_denied";
    case C::unsupported_response_type: return "unsupported_response_type";
    case C::server_error: return "server_error";
    case C::temporarily_unavailable: return "temporarily_unavailable";
    case C::interaction_required: return "interaction_required";
    case C::login_required: return "login_required";
    case C::account_selection_required: return "account_selection_required";
    case C::consent_required: return "consent_required";
    case C::invalid_request_uri: return "invalid_request_uri";
    case C::invalid_request_object: return "invalid_request_object";
    case C::request_not_supported: return "request_not_supported";
    case C::request_uri_not_supported: return "request_uri_not_supported";
    case C::registration_not_supported: return "registration_not_supported";
    case C::invalid_token: return "invalid_token";
    case C::insufficient_scope: return "insufficient_scope";
    case C::invalid_redirect_uri: return "invalid_redirect_uri";
    case C::invalid_client_metadata: return "invalid_client_metadata";
  }
  // Only a value cast from outside the enum gets here: a bug, but the
  // answer must still be a valid code.
  return "server_error";
}

std::string sanitize_error_description(std::string_view text) {
  std::string out;
  out.reserve(std::min(text.size(), kMaxErrorDescription));
  for (char ch : text) {
    if (out.size() == kMaxErrorDescription) break;
    const auto c = static_cast<unsigned char>(ch);
    // %x20-21 / %x23-5B / %x5D-7E: printable ASCII but '"' (0x22) and '\' (0x5C).
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') continue;
    out += ch;
  }
  return out;
}

OAuthError OAuthError::make(OAuthErrorCode code, std::string_view description) {
  return OAuthError{code, sanitize_error_description(description)};
}

boost::json::object to_json(const OAuthError& e) {
  boost::json::object o{{"error", name_of(e.code)}};
  if (std::string d = sanitize_error_description(e.description); !d.empty()) o["error_description"] = std::move(d);
  return o;
}

int http_status(OAuthErrorCode code) {
  switch (code) {
    case OAuthErrorCode::invalid_client:
    case OAuthErrorCode::invalid_token: return 401;
    case OAuthErrorCode::insufficient_scope: return 403;
    case OAuthErrorCode::server_error: return 500;
    case OAuthErrorCode::temporarily_unavailable: return 503;
    default: return 400;
  }
}

}  // namespace latchkey::oidc
