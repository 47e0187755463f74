#include "account/account_context.hpp"

#include "oidc/endpoints/pages.hpp"
#include "oidc/endpoints/sign_in_session.hpp"
#include "web/pages.hpp"

namespace latchkey::account {

namespace {

// visit() once the session is read: the form's checks, then the session.
tl::expected<Visit, http::Response> visit_sync(const oidc::Provider& p, const http::Request& req,
                                               std::optional<oidc::BrowserSession> session, bool post) {
  Visit v;
  if (post) {
    auto form = oidc::form_of(req);
    if (!form) return tl::unexpected(oidc::error_page(p, req, 400, "Invalid request", "The form could not be read."));
    if (!oidc::csrf_ok(p, req, *form))
      return tl::unexpected(oidc::error_page(p, req, 403, "This form has expired",
                                             "Go back, reload the page and try again. (Cookies must be enabled.)"));
    v.form = std::move(*form);
  }
  if (!session)
    return tl::unexpected(oidc::login_page(p, req, oidc::LoginView{{}, {}, oidc::kAccountReturnTo, {}}, post ? 401 : 200));
  v.session = std::move(*session);
  return v;
}

}  // namespace

boost::asio::awaitable<tl::expected<Visit, http::Response>> visit(const oidc::Provider& p, const http::Request& req,
                                                                  bool post) {
  const auto handle = oidc::session_handle(p, req);
  std::optional<oidc::BrowserSession> session;
  if (handle) {
    auto found = co_await p.pool.run([&] { return p.browsers.find(*handle); });
    if (!found || !*found) co_return tl::unexpected(busy_page(p, req));
    session = std::move(**found);
  }
  co_return visit_sync(p, req, std::move(session), post);
}

bool fresh(const oidc::Provider& p, const oidc::BrowserSession& s) {
  return p.service.clock()() - s.auth_time() <= p.options.reauthenticate_after;
}

http::Response reauthenticate_page(const oidc::Provider& p, const http::Request& req, const oidc::BrowserSession& s,
                                   std::string_view error, unsigned status) {
  web::ReauthenticatePage page;
  page.username = s.user.username;
  page.minutes = std::max<long long>(1, p.options.reauthenticate_after / 60);
  page.error = std::string(error);
  return oidc::render_with_csrf(p, req, std::move(page), status);
}

http::Response back_to_account(std::string_view done) {
  return oidc::redirect("/account?done=" + std::string(done));
}

http::Response busy_page(const oidc::Provider& p, const http::Request& req) {
  return oidc::error_page(p, req, 503, "Service busy", "The service is busy. Please try again in a moment.");
}

}  // namespace latchkey::account
