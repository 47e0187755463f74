#pragma once
// What the account pages share: the provider's parts (browser sessions,
// pages, CSRF, lanes), finding the person's browser session, and the
// answers every page may give (the sign-in page when there is no session,
// the "confirm it's you" page when the last credential is too old, back to
// the account page with a notice).
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "http/form.hpp"
#include "http/message.hpp"
#include "oidc/browser_sessions.hpp"
#include "oidc/provider.hpp"

namespace latchkey::account {

using Answer = boost::asio::awaitable<http::Response>;

// A POST of the account pages: its form, CSRF-checked, and the browser
// session it acts for.
struct Visit {
  oidc::BrowserSession session;
  http::FormFields form;
  // The session as the auth jobs name a caller.
  auth::Principal caller() const {
    return auth::Principal{session.user.id, session.user.username, session.session.id, nullptr};
  }
};

// The browser's live session, or the answer instead of the page: the
// sign-in page (no session), an error page (a broken form, a stale CSRF
// token, the database away). `post`: the request is a form to check.
boost::asio::awaitable<tl::expected<Visit, http::Response>> visit(const oidc::Provider& p, const http::Request& req,
                                                                  bool post);

// The person entered a credential recently enough for a security change.
bool fresh(const oidc::Provider& p, const oidc::BrowserSession& s);
// The "confirm it's you" page (when !fresh).
http::Response reauthenticate_page(const oidc::Provider& p, const http::Request& req, const oidc::BrowserSession& s,
                                   std::string_view error = {}, unsigned status = 200);

// 303 to the account page, whose notice says what `done` did (a code of
// account_page.cpp's table, never text from a request).
http::Response back_to_account(std::string_view done);

// The second step's and the pages' "busy" answer.
http::Response busy_page(const oidc::Provider& p, const http::Request& req);

}  // namespace latchkey::account
