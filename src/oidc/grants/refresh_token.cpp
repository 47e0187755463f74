// grant_type=refresh_token (RFC 6749 section 6): latchkey's rotation, grace
// window and reuse detection (auth/sessions.hpp), bound to the client: a
// token refreshes only for the client it was issued to, and another
// client's attempt is refused as an unknown token, spending nothing.
#include "oidc/grants/grants.hpp"

namespace latchkey::oidc {

namespace {

OAuthError refused(auth::AuthError e) {
  switch (e) {
    case auth::AuthError::unavailable:
    case auth::AuthError::internal: return OAuthError::make(OAuthErrorCode::temporarily_unavailable, "try again");
    case auth::AuthError::token_expired: return OAuthError::make(OAuthErrorCode::invalid_grant, "refresh token expired");
    case auth::AuthError::token_reused:
      return OAuthError::make(OAuthErrorCode::invalid_grant, "refresh token reused: the session has ended");
    case auth::AuthError::session_ended: return OAuthError::make(OAuthErrorCode::invalid_grant, "the session has ended");
    default: return OAuthError::make(OAuthErrorCode::invalid_grant, "unknown refresh token");
  }
}

}  // namespace

GrantResult refresh_token_grant(const GrantRequest& r) {
  auth::Sessions& sessions = r.provider.service.sessions();
  const std::string_view token = http::form_field(r.form, "refresh_token");
  if (token.empty()) return tl::unexpected(OAuthError::make(OAuthErrorCode::invalid_request, "refresh_token is required"));
  if (!r.client.metadata.allows_grant("refresh_token"))
    return tl::unexpected(OAuthError::make(OAuthErrorCode::unauthorized_client, "refresh_token is not registered for this client"));
  auto request = sessions.prepare_refresh(token);
  if (!request) return tl::unexpected(refused(request.error()));
  request->client_id = r.client.id;
  // RFC 6749 6: a scope asked for must have been granted; checked before the
  // token is spent, so a refused request changes nothing. The tokens keep
  // what was granted (narrowing per request is not offered).
  const auto asked = scope_list(http::form_field(r.form, "scope"));
  if (!asked.empty()) {
    auto session = r.provider.service.store().sessions().find(request->session_id);
    if (!session) return tl::unexpected(refused(session.error() == store::StoreError::not_found
                                                    ? auth::AuthError::token_invalid
                                                    : auth::AuthError::unavailable));
    if (session->client_id != r.client.id) return tl::unexpected(refused(auth::AuthError::token_invalid));
    for (const std::string& s : asked) {
      if (!has_scope(session->scope, s))
        return tl::unexpected(OAuthError::make(OAuthErrorCode::invalid_scope, "scope exceeds the grant"));
    }
  }
  auto grant = sessions.apply_refresh(*request, r.from);
  if (!grant) return tl::unexpected(refused(grant.error()));
  const std::string granted = grant->grant.scope;
  const auth::TokenPair pair = sessions.issue_refresh(std::move(*grant));
  return Granted{boost::json::object{{"access_token", pair.access_token}, {"token_type", "Bearer"},
                                    {"expires_in", pair.expires_in},     {"refresh_token", pair.refresh_token},
                                    {"scope", granted}}};
}

}  // namespace latchkey::oidc
