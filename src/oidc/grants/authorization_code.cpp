// grant_type=authorization_code (RFC 6749 4.1.3, OpenID Connect Core
// 3.1.3): the code is redeemed once, by the client it was issued to, with
// the same redirect URI and the PKCE verifier of its challenge. A second use
// fails and ends the session the first one opened (RFC 6749 4.1.2: the
// server SHOULD revoke what was issued on that code).
#include "oidc/code_key.hpp"
#include "oidc/grants/grants.hpp"
#include "oidc/user_claims.hpp"
#include "oidc/id_token.hpp"
#include "oidc/pkce.hpp"
#include "util/log.hpp"

namespace latchkey::oidc {

namespace {

OAuthError invalid_grant(std::string_view why) { return OAuthError::make(OAuthErrorCode::invalid_grant, why); }
OAuthError unavailable() { return OAuthError::make(OAuthErrorCode::temporarily_unavailable, "try again"); }

// The oauth session a redeemed code opened ends (a replay revokes it).
void end_issued_session(auth::Service& service, const std::string& session_id, const std::string& user_id,
                        UnixSeconds now) {
  auto ended = service.store().sessions().revoke(session_id, user_id, now, store::EndReason::code_replayed);
  if (ended) service.tokens().revoked_after_commit(service.store().database(), session_id, now);
}

// The replay: what the first redemption opened ends now.
void end_first_use(const GrantRequest& r, const store::AuthorizationCode& code, UnixSeconds now) {
  auth::Service& service = r.provider.service;
  log::warn("oidc.code_replayed", {{"client_id", std::string_view(code.client_id)}});
  service.audit().record({.event = "code_replayed", .user_id = code.user_id, .session_id = code.issued_session_id,
                          .ip = r.from.ip, .user_agent = r.from.user_agent,
                          .detail = auth::audit_detail({{"client_id", std::string_view(code.client_id)}})});
  if (!code.issued_session_id.empty()) end_issued_session(service, code.issued_session_id, code.user_id, now);
}

std::vector<std::string> split_amr(std::string_view amr) { return scope_list(amr); }

// The authentication context class: "1", one factor (ISO/IEC 29115 level 1).
constexpr std::string_view kAcr = "1";

}  // namespace

GrantResult authorization_code_grant(const GrantRequest& r) {
  const Provider& p = r.provider;
  auth::Service& service = p.service;
  const std::string_view code = http::form_field(r.form, "code");
  const std::string_view redirect_uri = http::form_field(r.form, "redirect_uri");
  const std::string_view verifier = http::form_field(r.form, "code_verifier");
  if (code.empty()) return tl::unexpected(OAuthError::make(OAuthErrorCode::invalid_request, "code is required"));
  if (!r.client.metadata.allows_grant("authorization_code"))
    return tl::unexpected(OAuthError::make(OAuthErrorCode::unauthorized_client, "authorization_code is not registered for this client"));
  if (code.size() > 128) return tl::unexpected(invalid_grant("unknown code"));

  const UnixSeconds now = service.clock()();
  const std::string digest = code_key(code);
  auto redeemed = service.store().codes().redeem(digest, now);
  if (!redeemed) {
    if (redeemed.error() == store::StoreError::not_found) return tl::unexpected(invalid_grant("unknown code"));
    return tl::unexpected(unavailable());
  }
  const store::AuthorizationCode& c = *redeemed;
  // Every check that follows fails the same way to the caller: invalid_grant.
  if (c.used_at) {
    // Only the client it was issued to may trigger the revocation.
    if (c.client_id == r.client.id) end_first_use(r, c, now);
    return tl::unexpected(invalid_grant("code already used"));
  }
  if (c.client_id != r.client.id) return tl::unexpected(invalid_grant("code was issued to another client"));
  if (now >= c.expires_at) return tl::unexpected(invalid_grant("code expired"));
  if (redirect_uri != c.redirect_uri) return tl::unexpected(invalid_grant("redirect_uri differs from the authorization request's"));
  if (!c.code_challenge.empty()) {
    if (verifier.empty()) return tl::unexpected(invalid_grant("code_verifier is required"));
    if (!valid_verifier(verifier) || !verify_s256(verifier, c.code_challenge))
      return tl::unexpected(invalid_grant("code_verifier does not match the code_challenge"));
  } else if (!verifier.empty()) {
    return tl::unexpected(invalid_grant("no code_challenge was sent with the authorization request"));
  }

  // The browser session must still be live: a logout in between ends the grant too.
  auto browser = service.store().sessions().find_with_user(c.browser_session_id);
  if (!browser) {
    if (browser.error() == store::StoreError::not_found) return tl::unexpected(invalid_grant("the session has ended"));
    return tl::unexpected(unavailable());
  }
  const bool live = !browser->session.revoked_at && !service.tokens().is_revoked(c.browser_session_id) &&
                    browser->user && !browser->user->disabled_at;
  if (!live) return tl::unexpected(invalid_grant("the session has ended"));
  const store::User& user = *browser->user;

  // The id_token's key, before anything is opened. Held until it signs: a
  // reload may swap the set meanwhile.
  const auto keys = service.tokens().keys();
  const auto alg = token::alg_from_name(r.client.metadata.id_token_signed_response_alg);
  const token::SigningKey* key = alg ? keys->signer(*alg) : nullptr;
  if (has_scope(c.scope, "openid") && !key)
    return tl::unexpected(OAuthError::make(OAuthErrorCode::invalid_client,
                                           "no key here signs this client's id_token_signed_response_alg"));

  auth::SessionSpec spec;
  spec.kind = store::kOAuthSession;
  spec.client_id = r.client.id;
  spec.parent_id = c.browser_session_id;
  spec.auth_time = c.auth_time;
  spec.amr = c.amr;
  spec.scope = c.scope;
  const bool refreshable = has_scope(c.scope, "offline_access") && r.client.metadata.allows_grant("refresh_token");
  spec.refreshable = refreshable;
  auto opened = service.sessions().create(user, r.from, spec);
  if (!opened) return tl::unexpected(opened.error() == auth::AuthError::account_disabled ? invalid_grant("the account is disabled") : unavailable());
  // A replay that came in between (another instance, another thread on
  // PostgreSQL) found no session to end: this one ends it.
  if (auto replayed = service.store().codes().set_issued(digest, opened->session_id); replayed && *replayed) {
    end_issued_session(service, opened->session_id, user.id, now);
    return tl::unexpected(invalid_grant("code already used"));
  }
  // Back-channel logout: this client now holds tokens of that browser session.
  if (auto noted = service.store().logouts().note_client(c.browser_session_id, r.client.id,
                                                         r.client.metadata.backchannel_logout_uri);
      !noted) {
    log::warn("oidc.note_client_failed", {{"client_id", std::string_view(r.client.id)}});
  }

  service.audit().record({.event = "token_issued", .user_id = user.id, .username = user.username,
                          .session_id = opened->session_id, .ip = r.from.ip, .user_agent = r.from.user_agent,
                          .detail = auth::audit_detail({{"client_id", std::string_view(r.client.id)},
                                                        {"grant_type", "authorization_code"}})});
  // The members signed later are here already, so that they keep their place.
  boost::json::object out{{"access_token", ""}, {"token_type", "Bearer"}, {"expires_in", 0}, {"scope", c.scope}};
  std::optional<IdTokenClaims> id_claims;
  if (has_scope(c.scope, "openid")) {
    IdTokenClaims& claims = id_claims.emplace();
    claims.iss = p.options.issuer;
    claims.sub = user.id;
    claims.aud = r.client.id;
    claims.azp = r.client.id;
    if (!c.nonce.empty()) claims.nonce = c.nonce;
    claims.sid = c.browser_session_id;
    claims.amr = split_amr(c.amr);
    claims.acr = std::string(kAcr);
    claims.auth_time = c.auth_time;
    claims.iat = now;
    claims.exp = now + p.options.id_token_ttl;
    add_user_claims(claims.extra, user, c.scope);
  }
  // Both signatures wait for the I/O thread: the access token's (ES256 by
  // default) and then the id_token's, whose at_hash is the access token's.
  return Granted{std::move(out), [&service, opened = std::move(*opened), refreshable, keys, key,
                                  id_claims = std::move(id_claims)](boost::json::object& body) mutable {
                   auth::TokenPair pair = service.sessions().issue(opened);
                   body["expires_in"] = pair.expires_in;
                   if (refreshable) body["refresh_token"] = pair.refresh_token;
                   if (id_claims) {
                     id_claims->at_hash = at_hash(pair.access_token, key->alg);
                     body["id_token"] = sign_id_token(*id_claims, *key);
                   }
                   body["access_token"] = std::move(pair.access_token);
                 }};
}

}  // namespace latchkey::oidc
