#include "oidc/endpoints/authorization_flow.hpp"

#include <algorithm>

#include "api/middleware.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"
#include "oidc/authorization.hpp"
#include "oidc/endpoints/pages.hpp"
#include "oidc/id_token.hpp"
#include "oidc/oauth_error.hpp"

namespace latchkey::oidc {

namespace {

using http::Response;

// 256 bits, single use, 60 s: RFC 6749 10.10 asks that guessing one be infeasible.
constexpr std::size_t kCodeBytes = 32;
// A query string longer than this is no request of ours (browsers cap URLs near 8 KiB too).
constexpr std::size_t kMaxReturnTo = 16 * 1024;

Response redirect_error(const Provider& p, std::string_view redirect_uri, const OAuthError& e,
                        const std::optional<std::string>& state) {
  return redirect(error_redirect_uri(redirect_uri, e, state, p.options.issuer));
}

// Step: the code, kept by digest, bound to everything the token request repeats.
auth::Expected<std::string> issue_code(const Provider& p, const AuthorizationRequest& r, const BrowserSession& s) {
  std::string code = crypto::random_token(kCodeBytes);
  store::AuthorizationCode c;
  c.code_hash = crypto::token_digest(code);
  c.client_id = r.client_id;
  c.user_id = s.user.id;
  c.browser_session_id = s.session.id;
  c.redirect_uri = r.redirect_uri;
  c.scope = r.scope();
  c.nonce = r.nonce.value_or("");
  c.code_challenge = r.code_challenge;
  c.auth_time = s.auth_time();
  c.amr = s.session.amr;
  c.created_at = p.service.clock()();
  c.expires_at = c.created_at + p.options.code_ttl;
  if (auto added = p.service.store().codes().add(c); !added) return auth::store_failure(added);
  return code;
}

// Every outcome but a code: a page, or an error for the client.
Response answer_without_code(const Provider& p, const http::Request& req, Outcome outcome, const Client& client,
                             const AuthorizationRequest& r, const std::optional<BrowserSession>& session,
                             const std::string& return_to, bool signed_in_now) {
  switch (outcome) {
    case Outcome::sign_in:
      return login_page(p, req,
                        LoginView{client.metadata.client_name, r.login_hint.value_or(""), return_to, {}, r.redirect_uri});
    case Outcome::ask_consent: {
      // Right after a sign-in, the consent's answer must not ask for it again
      // (prompt=login, max_age): the consent form says so, under its CSRF token.
      http::FormFields again = *http::parse_form(return_to);
      if (signed_in_now) again[std::string(kSignedInField)] = "1";
      const std::string consent_return_to = http::encode_form(again);
      return consent_page(p, req,
                          ConsentView{client.metadata.client_name, session->user.username, r.scopes, consent_return_to,
                                      r.redirect_uri});
    }
    case Outcome::login_required:
      return redirect_error(p, r.redirect_uri, OAuthError::make(OAuthErrorCode::login_required, ""), r.state);
    case Outcome::consent_required:
    case Outcome::issue_code:
      break;
  }
  return redirect_error(p, r.redirect_uri, OAuthError::make(OAuthErrorCode::consent_required, ""), r.state);
}

}  // namespace

std::optional<http::FormFields> resumed_request(std::string_view return_to) {
  if (return_to.empty() || return_to.size() > kMaxReturnTo) return std::nullopt;
  auto fields = http::parse_form(return_to);
  if (!fields) return std::nullopt;
  return std::move(*fields);
}

namespace {

// Every step of the request; run_authorization adds the new session's cookie
// to whatever this answers (an error page included: the session exists).
Answer authorization_steps(const Provider& p, const http::Request& req, const http::FormFields& fields,
                           const Resume& resume) {
  // Step: which client, and where it wants the answer. Until both are known
  // to be registered together, nothing redirects (RFC 6749 4.1.2.1).
  auto ref = identify(fields);
  if (!ref) co_return error_page(p, req, 400, "Invalid request", ref.error().description);
  auto found = co_await p.pool.run([&] { return p.clients.find(ref->client_id); });
  if (!found || (!*found && found->error().error == RegistryError::unavailable))
    co_return error_page(p, req, 503, "Try again", "The service is busy. Please try again in a moment.");
  if (!*found) co_return error_page(p, req, 400, "Unknown application", "This application is not registered here.");
  const Client& client = **found;
  const auto& uris = client.metadata.redirect_uris;
  if (ref->redirect_uri.empty())
    co_return error_page(p, req, 400, "Invalid request", "The application sent no redirect_uri.");
  // Exact string comparison (RFC 9700 2.1): no prefix, no added query, no other port.
  if (std::find(uris.begin(), uris.end(), ref->redirect_uri) == uris.end())
    co_return error_page(p, req, 400, "Invalid request", "The redirect_uri is not registered for this application.");
  const std::string redirect_uri = ref->redirect_uri;

  // Step: the rest of the request; its errors go back to the client.
  auto request = validate(fields, client.metadata, redirect_uri);
  if (!request) co_return redirect_error(p, redirect_uri, request.error(), state_of(fields));
  const AuthorizationRequest& r = *request;
  if (resume.denied)
    co_return redirect_error(p, redirect_uri, OAuthError::make(OAuthErrorCode::access_denied, "the user denied access"),
                             r.state);

  // Step: who is signed in here, and what they let this client do.
  // (No variable declared in a condition or a switch lives across a
  // co_await here: GCC 12 destroys such frame variables wrongly.)
  std::optional<BrowserSession> session = resume.session;
  const std::optional<std::string_view> handle = session ? std::nullopt : session_handle(p, req);
  if (handle) {
    auto live = co_await p.pool.run([&] { return p.browsers.find(*handle); });
    if (!live || !*live)
      co_return redirect_error(p, redirect_uri, OAuthError::make(OAuthErrorCode::temporarily_unavailable, ""), r.state);
    session = std::move(**live);
  }
  std::optional<store::Consent> consent;
  if (session && !client.metadata.first_party && !resume.consented_now) {
    auto read = co_await p.pool.run([&] { return p.service.store().consents().find(session->user.id, client.id); });
    if (read && *read) consent = std::move(**read);
  }
  std::optional<std::string> hinted_sub;
  if (r.id_token_hint) {
    auto hint = verify_id_token_hint(*r.id_token_hint, *p.service.tokens().keys(), p.options.issuer,
                                     p.service.clock()(), p.service.options().leeway);
    if (!hint)
      co_return redirect_error(p, redirect_uri, OAuthError::make(OAuthErrorCode::invalid_request, "invalid id_token_hint"),
                               r.state);
    hinted_sub = hint->sub;
  }

  AuthorizationState state{.request = r, .client = client.metadata};
  state.session = session ? &*session : nullptr;
  state.consent = consent ? &*consent : nullptr;
  if (hinted_sub) state.hinted_sub = *hinted_sub;
  state.signed_in_now = resume.signed_in_now && session;
  state.consented_now = resume.consented_now;
  state.now = p.service.clock()();
  const std::string return_to = http::encode_form(fields);
  const auth::Client from = api::client_of(req);

  const Outcome outcome = decide(state);
  Response out;
  if (outcome == Outcome::issue_code) {
    auto code = co_await p.pool.run([&]() -> auth::Expected<std::string> {
      if (resume.consented_now && !client.metadata.first_party) {
        auto kept = p.consents.remember(session->user.id, client.id, r.scopes, from);
        if (!kept) return tl::unexpected(kept.error());
      }
      return issue_code(p, r, *session);
    });
    out = code && *code ? redirect(code_redirect_uri(redirect_uri, **code, r.state, p.options.issuer))
                        : redirect_error(p, redirect_uri, OAuthError::make(OAuthErrorCode::temporarily_unavailable, ""),
                                         r.state);
  } else {
    out = answer_without_code(p, req, outcome, client, r, session, return_to, state.signed_in_now);
  }
  co_return out;
}

}  // namespace

Answer run_authorization(const Provider& p, const http::Request& req, const http::FormFields& fields,
                         const Resume& resume) {
  http::Response out = co_await authorization_steps(p, req, fields, resume);
  if (!resume.new_handle.empty()) set_session_cookie(p, out, resume.new_handle);
  co_return out;
}

}  // namespace latchkey::oidc
