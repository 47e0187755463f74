#include "oidc/endpoints/sign_in_session.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "api/api_context.hpp"
#include "oidc/endpoints/pages.hpp"
#include "web/pages.hpp"

namespace latchkey::oidc {

std::optional<mfa::PasskeyAssertion> form_passkey_assertion(std::string_view credential) {
  if (credential.empty() || credential.size() > 32 * 1024) return std::nullopt;
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(credential, ec);
  if (ec) return std::nullopt;
  auto a = api::passkey_assertion_of(v);
  if (!a) return std::nullopt;
  return std::move(*a);
}

tl::expected<SignInPost, http::Response> sign_in_post(const Provider& p, const http::Request& req) {
  auto form = form_of(req);
  if (!form) return tl::unexpected(error_page(p, req, 400, "Invalid request", "The form could not be read."));
  if (!csrf_ok(p, req, *form))
    return tl::unexpected(error_page(p, req, 403, "This form has expired",
                                     "Go back, reload the page and try again. (Cookies must be enabled to sign in.)"));
  std::string return_to(http::form_field(*form, web::kReturnToField));
  if (return_to != kAccountReturnTo && !resumed_request(return_to))
    return tl::unexpected(error_page(p, req, 400, "Invalid request", "The sign-in request is missing or malformed."));
  return SignInPost{std::move(*form), std::move(return_to)};
}

auth::Expected<Resume> enter_browser_session(const Provider& p, std::optional<std::string_view> current_handle,
                                             const store::User& user, std::string_view amr,
                                             const auth::Client& client,
                                             const std::function<auth::Expected<std::string>()>& open_new) {
  Resume resume;
  resume.signed_in_now = true;
  if (current_handle) {
    auto live = p.browsers.find(*current_handle);
    if (!live) return tl::unexpected(live.error());
    if (*live && (*live)->user.id == user.id) {
      auto at = p.browsers.reauthenticate(**live, amr);
      if (!at) return tl::unexpected(at.error());
      (*live)->session.auth_time = *at;  // the stored one, not a second read of the clock
      (*live)->session.amr = std::string(amr);
      resume.session = std::move(**live);
      return resume;
    }
    if (*live) (void)p.browsers.end(**live, client);
  }
  auto handle = open_new();
  if (!handle) return tl::unexpected(handle.error());
  auto opened = p.browsers.find(*handle);
  if (!opened || !*opened) return tl::unexpected(auth::AuthError::unavailable);
  resume.session = std::move(**opened);
  resume.new_handle = std::move(*handle);
  return resume;
}

Answer continue_after_sign_in(const Provider& p, const http::Request& req, const std::string& return_to,
                              const Resume& resume) {
  if (return_to == kAccountReturnTo) {
    http::Response r = redirect(std::string(kAccountReturnTo));
    if (!resume.new_handle.empty()) set_session_cookie(p, r, resume.new_handle);
    co_return r;
  }
  auto request = resumed_request(return_to);
  if (!request) co_return error_page(p, req, 400, "Invalid request", "The sign-in request is missing or malformed.");
  co_return co_await run_authorization(p, req, *request, resume);
}

SignInFor sign_in_for(const Provider& p, std::string_view return_to) {
  SignInFor out;
  auto request = resumed_request(return_to);
  if (!request) return out;
  const std::string_view client_id = http::form_field(*request, "client_id");
  const std::string_view redirect_uri = http::form_field(*request, "redirect_uri");
  if (client_id.empty()) return out;
  auto found = p.clients.find(client_id);
  if (found) {
    out.client_name = found->metadata.client_name;
    if (found->metadata.registers_redirect(redirect_uri)) out.redirect_uri = std::string(redirect_uri);
  }
  return out;
}

std::string second_step_passkey_options(const Provider& p, std::string_view mfa_token,
                                        const std::vector<std::string>& methods, const auth::Client& client) {
  if (std::find(methods.begin(), methods.end(), "passkey") == methods.end()) return {};
  auto options = p.mfa.sign_in_step().passkey_options(mfa_token, client, kHostedStep);
  return options ? boost::json::serialize(*options) : std::string();
}

}  // namespace latchkey::oidc
