// GET and POST /end_session (OpenID Connect RP-Initiated Logout 1.0): ends
// the browser session (and so single sign-on: the database ends the OAuth
// sessions opened from it and queues the back-channel logout of every
// client that received tokens in it, store/logout_store.hpp).
//  - With a valid id_token_hint (ours, for the person signed in here; an
//    expired one will do, section 2), the logout happens at once.
//  - Without one, the person confirms on a page (a forged link cannot sign
//    anyone out: the confirmation carries a CSRF token).
//  - post_logout_redirect_uri is followed only when registered for that
//    client (by exact string), with `state` echoed; otherwise a page says
//    the person is signed out. A URI that is not registered is an error
//    page, never a redirect.
#include <algorithm>

#include "api/middleware.hpp"
#include "oidc/endpoints/endpoints.hpp"
#include "oidc/endpoints/pages.hpp"
#include "oidc/id_token.hpp"

namespace latchkey::oidc {

Answer end_session(const Provider& p, const http::Request& req) {
  const bool post = req.method == "POST";
  std::optional<http::FormFields> fields;
  if (post) fields = form_of(req);
  else if (auto query = http::parse_form(req.query)) fields = std::move(*query);
  if (!fields)
    co_return error_page(p, req, 400, "Invalid request", "The logout request's parameters are malformed.");
  const std::string hint_text = std::string(http::form_field(*fields, "id_token_hint"));
  std::string client_id = std::string(http::form_field(*fields, "client_id"));
  const std::string post_logout = std::string(http::form_field(*fields, "post_logout_redirect_uri"));
  const std::string state = std::string(http::form_field(*fields, "state"));
  if (hint_text.size() > 8192 || client_id.size() > 256 || post_logout.size() > 2048 || state.size() > 1024)
    co_return error_page(p, req, 400, "Invalid request", "A parameter is too long.");

  std::optional<HintClaims> hint;
  if (!hint_text.empty()) {
    auto verified = verify_id_token_hint(hint_text, *p.service.tokens().keys(), p.options.issuer, p.service.clock()(),
                                         p.service.options().leeway);
    if (!verified) co_return error_page(p, req, 400, "Invalid request", "The id_token_hint is not valid.");
    if (!client_id.empty() && client_id != verified->aud)
      co_return error_page(p, req, 400, "Invalid request", "client_id and id_token_hint name different applications.");
    client_id = verified->aud;
    hint = std::move(*verified);
  }
  if (!post_logout.empty()) {
    if (client_id.empty())
      co_return error_page(p, req, 400, "Invalid request", "post_logout_redirect_uri needs client_id or id_token_hint.");
    auto client = co_await p.pool.run([&] { return p.clients.find(client_id); });
    if (!client || (!*client && client->error().error == RegistryError::unavailable))
      co_return error_page(p, req, 503, "Try again", "The service is busy. Please try again in a moment.");
    const auto* uris = *client ? &(*client)->metadata.post_logout_redirect_uris : nullptr;
    if (!uris || std::find(uris->begin(), uris->end(), post_logout) == uris->end())
      co_return error_page(p, req, 400, "Invalid request",
                           "The post_logout_redirect_uri is not registered for this application.");
  }

  std::optional<BrowserSession> session;
  const std::optional<std::string_view> handle = session_handle(p, req);  // not in the condition: see authorization_flow.cpp
  if (handle) {
    auto live = co_await p.pool.run([&] { return p.browsers.find(*handle); });
    if (!live || !*live) co_return error_page(p, req, 503, "Try again", "The service is busy. Please try again in a moment.");
    session = std::move(**live);
  }
  // A hint proves the request comes from an app of this very session
  // (section 2: otherwise the OP must ask): same person, same sid.
  const bool hinted = hint && (!session || (hint->sub == session->user.id && hint->sid == session->session.id));
  const bool confirmed = post && http::form_field(*fields, "confirm") == "yes" && csrf_ok(p, req, *fields);
  if (session && !hinted && !confirmed) {
    std::vector<std::pair<std::string, std::string>> hidden{{"confirm", "yes"}};
    if (!client_id.empty()) hidden.emplace_back("client_id", client_id);
    if (!post_logout.empty()) hidden.emplace_back("post_logout_redirect_uri", post_logout);
    if (!state.empty()) hidden.emplace_back("state", state);
    co_return logout_confirm_page(p, req, hidden, post_logout);
  }
  if (session) {
    const auth::Client from = api::client_of(req);
    auto ended = co_await p.pool.run([&] { return p.browsers.end(*session, from); });
    if (!ended || !*ended) co_return error_page(p, req, 503, "Try again", "The service is busy. Please try again in a moment.");
  }
  http::Response out;
  if (!post_logout.empty()) {
    std::string location = post_logout;
    if (!state.empty()) {
      location += post_logout.find('?') == std::string::npos ? '?' : '&';
      location += "state=";
      http::percent_encode(state, location);
    }
    out = redirect(std::move(location));
  } else {
    out = logged_out_page(p, req);
  }
  clear_session_cookie(p, out);
  co_return out;
}

}  // namespace latchkey::oidc
