#include "oidc/browser_sessions.hpp"

#include "auth/refresh_chain.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"
#include "util/log.hpp"

namespace latchkey::oidc {

namespace {

// 256 bits: the handle is the whole credential of a signed-in browser.
constexpr std::size_t kHandleBytes = 32;
// base64url of kHandleBytes; anything else is no handle of ours.
constexpr std::size_t kHandleChars = 43;

}  // namespace

auth::Expected<std::optional<BrowserSession>> BrowserSessions::find(std::string_view handle) {
  if (handle.size() != kHandleChars) return std::nullopt;
  auto found = service_.store().sessions().find_by_cookie(crypto::token_digest(handle));
  if (!found) {
    if (found.error() == store::StoreError::not_found) return std::nullopt;
    return auth::store_failure(found);
  }
  const store::Session& s = found->session;
  const UnixSeconds now = service_.clock()();
  const bool live = s.kind == store::kBrowserSession && !s.revoked_at && !service_.tokens().is_revoked(s.id) &&
                    now < auth::session_end(s, service_.options().idle_ttl);
  if (!live || !found->user || found->user->disabled_at) return std::nullopt;
  // A page view is a use: the session stays alive while the person comes back.
  service_.usage().note(s.id, now);
  return BrowserSession{std::move(found->session), std::move(*found->user)};
}

auth::Expected<std::string> BrowserSessions::open(auth::VerifiedLogin login, const auth::Client& client) {
  std::string handle = crypto::random_token(kHandleBytes);
  const std::string digest = crypto::token_digest(handle);
  auth::SessionSpec spec;
  spec.kind = store::kBrowserSession;
  spec.cookie_hash = digest;
  auto opened = service_.logins().complete_login(std::move(login), client, spec);
  if (!opened) return tl::unexpected(opened.error());
  return handle;
}

auth::Expected<std::string> BrowserSessions::open(const mfa::PassedStep& step, mfa::SignInStep& steps,
                                                  const auth::Client& client) {
  std::string handle = crypto::random_token(kHandleBytes);
  const std::string digest = crypto::token_digest(handle);
  auth::SessionSpec spec;
  spec.kind = store::kBrowserSession;
  spec.cookie_hash = digest;
  auto opened = steps.complete(step, client, spec);
  if (!opened) return tl::unexpected(opened.error());
  return handle;
}

auth::Expected<UnixSeconds> BrowserSessions::reauthenticate(const BrowserSession& current, std::string_view amr) {
  const UnixSeconds now = service_.clock()();
  auto r = service_.store().sessions().reauthenticate(current.session.id, now, amr);
  if (!r) {
    if (r.error() == store::StoreError::not_found) return tl::unexpected(auth::AuthError::session_ended);
    return auth::store_failure(r);
  }
  return now;
}

auth::Expected<void> BrowserSessions::end(const BrowserSession& current, const auth::Client& client) {
  auth::Principal caller{current.user.id, current.user.username, current.session.id, nullptr};
  auto ended = service_.sessions().logout(caller, {}, client);
  if (!ended && ended.error() != auth::AuthError::session_not_found) return tl::unexpected(ended.error());
  return {};
}

}  // namespace latchkey::oidc
