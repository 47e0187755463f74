#include "oidc/endpoints/authorization_flow.hpp"

#include <variant>

#include "api/middleware.hpp"
#include "oidc/authorization.hpp"
#include "oidc/code_key.hpp"
#include "oidc/endpoints/pages.hpp"
#include "oidc/id_token.hpp"
#include "oidc/oauth_error.hpp"

namespace latchkey::oidc {

namespace {

using http::Response;

// A query string longer than this is no request of ours (browsers cap URLs near 8 KiB too).
constexpr std::size_t kMaxReturnTo = 16 * 1024;

// Step: the code, kept under its key (code_key.hpp), bound to everything the token request repeats.
auth::Expected<std::string> issue_code(const Provider& p, const AuthorizationRequest& r, const BrowserSession& s) {
  std::string code = new_code();  // single use, 60 s (code_key.hpp)
  store::AuthorizationCode c;
  c.code_hash = code_key(code);
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

// What the request comes to, decided in one database job and answered on
// the I/O thread: a page of ours with an error (nothing may redirect yet), a
// redirect to the client (a code or an error), or the sign-in or consent page.
struct ErrorPage {
  unsigned status;
  std::string_view title;
  std::string text;
};
struct ToClient {
  std::string location;
};
struct AskPerson {
  Outcome outcome;  // sign_in or ask_consent
  std::string client_name;
  AuthorizationRequest request;
  std::optional<BrowserSession> session;
  bool signed_in_now;
};
using Decision = std::variant<ErrorPage, ToClient, AskPerson>;

// The id_token_hint, checked before the job (a signature check is no
// database work): absent, its sub, or invalid.
using HintCheck = std::optional<std::optional<std::string>>;

ToClient error_to_client(const Provider& p, std::string_view redirect_uri, OAuthErrorCode code, std::string_view why,
                         const std::optional<std::string>& state) {
  return {error_redirect_uri(redirect_uri, OAuthError::make(code, why), state, p.options.issuer)};
}

// Every step that needs the database, in order, as one job: one batch and
// one round trip for a signed-in browser's request (three before: measured
// 2,756 -> see bench/ for the code flow's figures).
Decision decide_request(const Provider& p, const ClientRef& ref, const http::FormFields& fields, const Resume& resume,
                        std::optional<std::string_view> handle, const HintCheck& hint, const auth::Client& from) {
  // Step: which client, and where it wants the answer. Until both are known
  // to be registered together, nothing redirects (RFC 6749 4.1.2.1).
  auto found = p.clients.find(ref.client_id);
  if (!found && found.error().error == RegistryError::unavailable)
    return ErrorPage{503, "Try again", "The service is busy. Please try again in a moment."};
  if (!found) return ErrorPage{400, "Unknown application", "This application is not registered here."};
  const Client& client = *found;
  if (ref.redirect_uri.empty()) return ErrorPage{400, "Invalid request", "The application sent no redirect_uri."};
  if (!client.metadata.registers_redirect(ref.redirect_uri))
    return ErrorPage{400, "Invalid request", "The redirect_uri is not registered for this application."};
  const std::string& redirect_uri = ref.redirect_uri;

  // Step: the rest of the request; its errors go back to the client.
  auto request = validate(fields, client.metadata, redirect_uri);
  if (!request)
    return ToClient{error_redirect_uri(redirect_uri, request.error(), state_of(fields), p.options.issuer)};
  AuthorizationRequest& r = *request;
  if (resume.denied) return error_to_client(p, redirect_uri, OAuthErrorCode::access_denied, "the user denied access", r.state);

  // Step: who is signed in here, and what they let this client do.
  std::optional<BrowserSession> session = resume.session;
  if (!session && handle) {
    auto live = p.browsers.find(*handle);
    if (!live) return error_to_client(p, redirect_uri, OAuthErrorCode::temporarily_unavailable, "", r.state);
    session = std::move(*live);
  }
  std::optional<store::Consent> consent;
  if (session && !client.metadata.first_party && !resume.consented_now) {
    auto read = p.service.store().consents().find(session->user.id, client.id);
    if (read) consent = std::move(*read);
  }
  if (r.id_token_hint && hint && !*hint)
    return error_to_client(p, redirect_uri, OAuthErrorCode::invalid_request, "invalid id_token_hint", r.state);

  AuthorizationState state{.request = r, .client = client.metadata};
  state.session = session ? &*session : nullptr;
  state.consent = consent ? &*consent : nullptr;
  if (r.id_token_hint && hint) state.hinted_sub = **hint;
  state.consented_now = resume.consented_now;
  state.now = p.service.clock()();
  const bool marker_holds = session && resume.signed_in_at != 0 && session->auth_time() == resume.signed_in_at &&
                            state.now - resume.signed_in_at <= kSignedInMarkerSeconds;
  state.signed_in_now = session && (resume.signed_in_now || marker_holds);

  switch (decide(state)) {
    case Outcome::issue_code:
      break;
    case Outcome::sign_in:
      return AskPerson{Outcome::sign_in, client.metadata.client_name, std::move(r), std::nullopt, false};
    case Outcome::ask_consent:
      return AskPerson{Outcome::ask_consent, client.metadata.client_name, std::move(r), std::move(session),
                       state.signed_in_now};
    case Outcome::login_required:
      return error_to_client(p, redirect_uri, OAuthErrorCode::login_required, "", r.state);
    case Outcome::consent_required:
      return error_to_client(p, redirect_uri, OAuthErrorCode::consent_required, "", r.state);
  }
  // Step: the code (and the consent just given, in the same transaction).
  if (resume.consented_now && !client.metadata.first_party) {
    if (!p.consents.remember(session->user.id, client.id, r.scopes, from))
      return error_to_client(p, redirect_uri, OAuthErrorCode::temporarily_unavailable, "", r.state);
  }
  auto code = issue_code(p, r, *session);
  if (!code) return error_to_client(p, redirect_uri, OAuthErrorCode::temporarily_unavailable, "", r.state);
  return ToClient{code_redirect_uri(redirect_uri, *code, r.state, p.options.issuer)};
}

// The sign-in or consent page, on the I/O thread.
Response ask_person(const Provider& p, const http::Request& req, const http::FormFields& fields, const AskPerson& a) {
  const AuthorizationRequest& r = a.request;
  const std::string return_to = http::encode_form(fields);
  if (a.outcome == Outcome::sign_in)
    return login_page(p, req, LoginView{a.client_name, r.login_hint.value_or(""), return_to, {}, r.redirect_uri});
  // Right after a sign-in, the consent's answer must not ask for it again
  // (prompt=login, max_age): the consent form says so, under its CSRF token.
  http::FormFields again = fields;
  if (a.signed_in_now) again[std::string(kSignedInField)] = std::to_string(a.session->auth_time());
  const std::string consent_return_to = http::encode_form(again);
  return consent_page(p, req,
                      ConsentView{a.client_name, a.session->user.username, r.scopes, consent_return_to, r.redirect_uri});
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
  auto ref = identify(fields);
  if (!ref) co_return error_page(p, req, 400, "Invalid request", ref.error().description);
  const std::optional<std::string_view> handle = resume.session ? std::nullopt : session_handle(p, req);
  HintCheck hint;
  if (const auto h = fields.find("id_token_hint"); h != fields.end() && !h->second.empty()) {
    auto claims = verify_id_token_hint(h->second, *p.service.tokens().keys(), p.options.issuer, p.service.clock()(),
                                       p.service.options().leeway);
    hint.emplace(claims ? std::optional<std::string>(claims->sub) : std::nullopt);
  }
  const auth::Client from = api::client_of(req);
  // (No variable declared in a condition lives across a co_await here: GCC
  // 12 destroys such frame variables wrongly.)
  auto decide = [&] { return decide_request(p, *ref, fields, resume, handle, hint, from); };
  // A code alone may be lost with the machine (not with the process) before
  // the disk has it: its client's token request fails and it starts over
  // (RFC 6749 4.1.2: a code is short-lived and single-use anyway). So its
  // redirect does not wait for the flush; the token request that redeems it
  // does, and with it the code. A consent just given waits for the disk.
  std::optional<Decision> decided;
  std::optional<Committed<Decision>> committed;
  if (resume.consented_now) decided = co_await p.pool.run(decide);
  else committed = co_await p.pool.run_committed(decide);
  if (committed) decided = std::move(committed->result);
  if (!decided) co_return error_page(p, req, 503, "Try again", "The service is busy. Please try again in a moment.");
  Response out;
  if (const auto* e = std::get_if<ErrorPage>(&*decided)) out = error_page(p, req, e->status, e->title, e->text);
  else if (const auto* c = std::get_if<ToClient>(&*decided)) out = redirect(c->location);
  else out = ask_person(p, req, fields, std::get<AskPerson>(*decided));
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
