#pragma once
// The HTTP face of the auth service: the seed's six endpoints (same paths,
// fields and messages as the seed's curl guide) plus /healthz. Decodes
// requests, runs blocking service calls on the worker pool, encodes answers.
#include <optional>
#include <string>

#include "auth/service.hpp"
#include "http/router.hpp"
#include "util/worker_pool.hpp"

namespace latchkey::api {

struct ApiOptions {
  // Services present it to POST /introspect; unset refuses everyone.
  std::optional<std::string> introspection_secret;
  // Cache-Control max-age of the JWKS and the discovery document.
  long jwks_max_age = 300;
  // Token buckets per client IP (0: no limit).
  unsigned login_per_minute = 30;
  unsigned signup_per_minute = 10;
};

void add_routes(http::Router& router, auth::Service& service, WorkerPool& pool,
                ApiOptions options = {});

// The one answer for each service failure (status, code, message and, for
// 401, a WWW-Authenticate challenge per RFC 6750).
http::Response error_response(auth::AuthError e);

// The token of an `Authorization: Bearer <token>` header; token_missing when
// there is none (or another scheme), token_invalid when it is malformed.
auth::Expected<std::string_view> bearer_token(const http::Request& req);

}  // namespace latchkey::api
