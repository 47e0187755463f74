// POST /token (RFC 6749 section 3.2): the client authenticates
// (client_authentication.hpp), then the grant of its grant_type runs (the
// table below). Errors are RFC 6749 5.2's JSON; invalid_client after Basic
// credentials is 401 with WWW-Authenticate; nothing is cached (5.1).
#include "abuse/limiter.hpp"
#include "api/middleware.hpp"
#include "oidc/client_authentication.hpp"
#include "oidc/endpoints/endpoints.hpp"
#include "oidc/grants/grants.hpp"
#include "util/time.hpp"

namespace latchkey::oidc {

namespace {

struct GrantEntry {
  std::string_view grant_type;
  Grant grant;
};

// The grants, by grant_type. A new grant is one line here and a file in grants/.
constexpr GrantEntry kGrants[] = {
    {"authorization_code", authorization_code_grant},
    {"refresh_token", refresh_token_grant},
    {"client_credentials", client_credentials_grant},
};

http::Response answer(const OAuthError& e) {
  http::Response r;
  r.status = http_status(e.code);
  r.body = boost::json::serialize(to_json(e));
  r.headers.emplace_back("Pragma", "no-cache");
  // invalid_client is 401 whichever way the client authenticated (RFC 6749
  // 5.2 allows it), and a 401 always names a scheme (RFC 9110 15.5.2).
  if (e.code == OAuthErrorCode::invalid_client) {
    r.status = 401;
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"latchkey\"");
  }
  return r;
}

}  // namespace

Answer token(const Provider& p, const http::Request& req) {
  auto form = http::parse_form(req.body);
  if (!form) {
    co_return answer(OAuthError::make(OAuthErrorCode::invalid_request,
                                      form.error() == http::FormError::repeated_field ? "a parameter is repeated"
                                                                                      : "the body is not a form"));
  }
  auto type = form->find("grant_type");
  if (type == form->end() || type->second.empty())
    co_return answer(OAuthError::make(OAuthErrorCode::invalid_request, "grant_type is required"));
  Grant grant = nullptr;
  for (const GrantEntry& g : kGrants) {
    if (g.grant_type == type->second) grant = g.grant;
  }
  if (!grant) co_return answer(OAuthError::make(OAuthErrorCode::unsupported_grant_type, ""));
  // A client secret or assertion is a guessable credential: failures count
  // per IP, and a locked IP is refused before its next guess is checked.
  abuse::Limiter& limits = p.service.limits();
  const abuse::Key guesses = abuse::per_ip(abuse::Limit::client_secret, req.remote_ip);
  if (const abuse::Verdict v = limits.peek(guesses, now_unix()); !v) {
    limits.count_refusal(v.limit);
    http::Response r = answer(OAuthError::make(OAuthErrorCode::temporarily_unavailable,
                                               "too many failed client authentications from this address"));
    r.status = 429;
    r.headers.emplace_back("Retry-After", std::to_string(v.retry_after));
    co_return r;
  }
  auto presented = presented_credentials(req, *form);
  if (!presented) {
    if (presented.error().code == OAuthErrorCode::invalid_client) limits.record_soon(guesses, now_unix());
    co_return answer(presented.error());
  }
  const auth::Client from = api::client_of(req);
  auto job = [&]() -> GrantResult {
    auto client = authenticate_client(p, *presented);
    if (!client) return tl::unexpected(client.error());
    return grant(GrantRequest{p, *client, *form, from});
  };
  // Resumed at the commit: the signatures (RS256 is a quarter of a
  // millisecond) are made while the disk flushes, and the grant's answer,
  // error or token, leaves only once what it wrote is durable.
  auto committed = co_await p.pool.run_committed(job);
  if (!committed) co_return answer(OAuthError::make(OAuthErrorCode::temporarily_unavailable, "try again"));
  GrantResult* result = &committed->result;
  if (*result && (*result)->sign_later) (*result)->sign_later((*result)->body);  // here, off the database lane
  co_await committed->flush.wait();
  if (!*result) {
    if (result->error().code == OAuthErrorCode::invalid_client) limits.record_soon(guesses, now_unix());
    co_return answer(result->error());
  }
  Granted& granted = **result;
  http::Response r;
  r.body = boost::json::serialize(granted.body);
  r.headers.emplace_back("Pragma", "no-cache");
  co_return r;
}

}  // namespace latchkey::oidc
