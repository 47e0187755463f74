// Passkeys from the account page: add one (a fresh credential first; the
// page's script runs the browser's dialog and posts what it made; and, if
// asked, every other session ends), rename one, and remove one (a fresh
// credential first).
#include <boost/json.hpp>

#include "account/pages.hpp"
#include "api/middleware.hpp"
#include "crypto/base64url.hpp"
#include "oidc/endpoints/pages.hpp"
#include "web/pages.hpp"

namespace latchkey::account {

namespace {

http::Response new_passkey_page(const oidc::Provider& p, const http::Request& req, const std::string& options,
                                std::string_view error = {}, unsigned status = 200) {
  return oidc::render_with_csrf(p, req, web::PasskeyNewPage{{}, options, std::string(error)}, status, true);
}

// The registration response the script posts: the decoded clientDataJSON and attestationObject.
std::optional<std::pair<std::string, std::string>> registration_of(std::string_view text) {
  if (text.empty() || text.size() > 64 * 1024) return std::nullopt;
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const boost::json::value* r = v.as_object().if_contains("response");
  if (!r || !r->is_object()) return std::nullopt;
  const boost::json::value* cdj = r->as_object().if_contains("clientDataJSON");
  const boost::json::value* att = r->as_object().if_contains("attestationObject");
  if (!cdj || !att || !cdj->is_string() || !att->is_string()) return std::nullopt;
  auto a = crypto::base64url_decode(cdj->as_string());
  auto b = crypto::base64url_decode(att->as_string());
  if (!a || !b) return std::nullopt;
  return std::pair{std::move(*a), std::move(*b)};
}

}  // namespace

Answer passkey_new(const oidc::Provider& p, const http::Request& req) {
  auto v = co_await visit(p, req, true);
  if (!v) co_return std::move(v.error());
  if (!fresh(p, v->session)) co_return reauthenticate_page(p, req, v->session);
  if (!p.mfa.passkeys().available())
    co_return oidc::error_page(p, req, 403, "Not available", "Passkeys are not available on this server.");
  auto r = co_await p.pool.run([&] { return p.mfa.passkeys().registration_options(v->session.user, v->session.session.id); });
  if (!r || !*r) co_return busy_page(p, req);
  co_return new_passkey_page(p, req, boost::json::serialize(**r));
}

Answer passkey_add(const oidc::Provider& p, const http::Request& req) {
  auto v = co_await visit(p, req, true);
  if (!v) co_return std::move(v.error());
  auto made = registration_of(http::form_field(v->form, "credential"));
  if (!made)
    co_return oidc::error_page(p, req, 400, "No passkey was made",
                               "Your browser did not create a passkey. Go back to your account and try again.");
  const std::string name(http::form_field(v->form, "name"));
  const bool end_others = http::form_field(v->form, "end_others") == "1";
  const auth::Principal caller = v->caller();
  const auth::Client client = api::client_of(req);
  auto r = co_await p.pool.run([&] {
    auto added = p.mfa.passkeys().add(v->session.user, made->first, made->second, name, v->session.session.id, client);
    if (added && end_others) (void)p.service.sessions().logout_all(caller, true, client);
    return added;
  });
  if (!r) co_return busy_page(p, req);
  if (!*r) {
    const auth::AuthError e = r->error();
    if (e == auth::AuthError::passkey_invalid || e == auth::AuthError::passkey_exists)
      co_return oidc::error_page(p, req, e == auth::AuthError::passkey_exists ? 409 : 400, "The passkey was not added",
                                 e == auth::AuthError::passkey_exists
                                     ? "That passkey is added already."
                                     : "It could not be verified, or took too long. Go back to your account and try again.");
    co_return busy_page(p, req);
  }
  co_return back_to_account("passkey_added");
}

Answer passkey_rename(const oidc::Provider& p, const http::Request& req) {
  auto v = co_await visit(p, req, true);
  if (!v) co_return std::move(v.error());
  const std::string id(http::form_field(v->form, "credential_id"));
  const std::string name(http::form_field(v->form, "name"));
  if (id.empty() || id.size() > 2048) co_return oidc::error_page(p, req, 400, "Invalid request", "Choose a passkey.");
  const auth::Client client = api::client_of(req);
  auto r = co_await p.pool.run([&] { return p.mfa.passkeys().rename(v->session.user, id, name, client); });
  if (!r) co_return busy_page(p, req);
  if (!*r && r->error() == auth::AuthError::factor_not_found)
    co_return oidc::error_page(p, req, 404, "Passkey not found", "That passkey is no longer there.");
  if (!*r) co_return busy_page(p, req);
  co_return back_to_account("passkey_renamed");
}

Answer passkey_remove(const oidc::Provider& p, const http::Request& req) {
  auto v = co_await visit(p, req, true);
  if (!v) co_return std::move(v.error());
  if (!fresh(p, v->session)) co_return reauthenticate_page(p, req, v->session);
  const std::string id(http::form_field(v->form, "credential_id"));
  if (id.empty() || id.size() > 2048) co_return oidc::error_page(p, req, 400, "Invalid request", "Choose a passkey.");
  const auth::Client client = api::client_of(req);
  auto r = co_await p.pool.run([&] { return p.mfa.passkeys().remove(v->session.user, id, client); });
  if (!r || (!*r && r->error() != auth::AuthError::factor_not_found)) co_return busy_page(p, req);
  co_return back_to_account("passkey_removed");
}

}  // namespace latchkey::account
