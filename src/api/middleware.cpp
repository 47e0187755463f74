#include "api/middleware.hpp"

#include "crypto/digest.hpp"
#include "token/jwt.hpp"

namespace latchkey::api {

using auth::AuthError;
using http::Request;
using http::Response;

auth::Expected<std::string_view> bearer_token(const Request& req) {
  if (req.repeated("Authorization")) return tl::unexpected(AuthError::token_invalid);
  const std::string_view h = req.header("Authorization");
  constexpr std::string_view kScheme = "bearer";
  if (h.size() <= kScheme.size() || h[kScheme.size()] != ' ' || !http::iequals(h.substr(0, kScheme.size()), kScheme))
    return tl::unexpected(AuthError::token_missing);
  std::string_view token = h.substr(kScheme.size() + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return tl::unexpected(AuthError::token_missing);
  if (token.find_first_of(" ,\t") != std::string_view::npos || token.size() > token::kMaxTokenLength)
    return tl::unexpected(AuthError::token_invalid);
  return token;
}

http::Middleware bearer_auth(auth::Authenticator& authenticator, ErrorAnswers errors, Holder holder) {
  return [&authenticator, errors = std::move(errors), holder](Request& req) -> std::optional<Response> {
    auto token = bearer_token(req);
    if (!token) return errors(token.error());
    auto caller = authenticator.authenticate(*token);
    if (!caller) return errors(caller.error());
    if (holder == Holder::account && caller->token && !caller->token->client_id.empty())
      return errors(auth::AuthError::token_wrong_type);
    req.identity = http::Identity{caller->user_id, caller->username, caller->session_id, std::move(caller->token)};
    return std::nullopt;
  };
}

auth::Principal principal_of(const Request& req) {
  const http::Identity& id = req.identity;
  return auth::Principal{id.subject, id.name, id.session,
                         std::static_pointer_cast<const token::VerifiedToken>(id.owner)};
}

http::Response too_many(const abuse::Verdict& v) {
  Response r = http::json_error(429, "rate_limited", "Too many requests; retry later");
  r.headers.emplace_back("Retry-After", std::to_string(v.retry_after));
  return r;
}

http::Middleware admin_auth(const std::string& token, abuse::Limiter& limits) {
  return admin_auth(token, limits, [](bool missing) {
    Response r = missing ? http::json_error(401, "token_missing", "Admin token is missing")
                         : http::json_error(401, "invalid_token", "Invalid admin token");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"latchkey-admin\"");
    return r;
  });
}

http::Middleware admin_auth(const std::string& token, abuse::Limiter& limits, TokenRefusal refuse) {
  return [digest = crypto::sha256(token), &limits,
          refuse = std::move(refuse)](Request& req) -> std::optional<Response> {
    const abuse::Key key = abuse::per_ip(abuse::Limit::admin_token, req.remote_ip);
    // A locked IP is refused before its guess is compared: right or wrong.
    if (const abuse::Verdict v = limits.peek(key, now_unix()); !v) {
      limits.count_refusal(v.limit);
      return too_many(v);
    }
    auto presented = bearer_token(req);
    if (presented && crypto::constant_time_equal(crypto::sha256(*presented), digest)) {
      req.identity.subject = "admin-api";
      return std::nullopt;
    }
    limits.record_soon(key, now_unix());
    return refuse(!presented && presented.error() == AuthError::token_missing);
  };
}

}  // namespace latchkey::api
