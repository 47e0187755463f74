#pragma once
// What a route can declare to run before its handler (http::RouteOptions):
// who may call it and how often. Each returns an http::Middleware.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/error_answers.hpp"
#include "auth/authenticator.hpp"
#include "abuse/limiter.hpp"
#include "http/router.hpp"

namespace latchkey::api {

// The token of an `Authorization: Bearer <token>` header; token_missing when
// there is none (or another scheme), token_invalid when it is malformed.
auth::Expected<std::string_view> bearer_token(const http::Request& req);

// Whose tokens a route takes: any of ours (a protected resource), or only
// the person's own, from /login or the hosted login (the account itself:
// its sessions, password, consents). An app's token (one with a client_id,
// from the token endpoint) is for the app's resources, never for managing
// the person's account (RFC 9700 2.3: the least privilege a token needs).
enum class Holder { anyone, account };

// A valid access token of ours: fills in req.identity, or answers 401.
http::Middleware bearer_auth(auth::Authenticator& authenticator, ErrorAnswers errors, Holder holder = Holder::anyone);

// The caller that bearer_auth let through.
auth::Principal principal_of(const http::Request& req);

// Where a request came from, for sessions and the audit trail.
inline auth::Client client_of(const http::Request& req) {
  return auth::Client{req.header("User-Agent"), req.remote_ip};
}

// 429 rate_limited with Retry-After, for a refusal of the abuse limits.
http::Response too_many(const abuse::Verdict& v);

// The administrators' bearer token, compared in constant time; failed
// attempts count against the IP's admin_token limit (abuse/limits.hpp),
// which refuses it (429) before any comparison once locked. The identity is
// the actor "admin-api".
http::Middleware admin_auth(const std::string& token, abuse::Limiter& limits);

// The same check, with the 401 answer of the caller's protocol: `refuse`
// gets whether the token was missing (rather than wrong). RFC 7591's
// registration endpoint takes the admin token as its initial access token
// and answers as RFC 6750 says.
using TokenRefusal = std::function<http::Response(bool missing)>;
http::Middleware admin_auth(const std::string& token, abuse::Limiter& limits, TokenRefusal refuse);

}  // namespace latchkey::api
