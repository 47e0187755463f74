#include "api/routes.hpp"

#include <memory>

#include "api/middleware.hpp"
#include "api/openapi.hpp"

namespace latchkey::api {

namespace {

// Who may call a route, and how often.
enum class Guard { none, bearer, login_limit, signup_limit };

struct Route {
  std::string_view method;
  std::string_view path;
  Guard guard;
  Handler handler;
};

// The whole public API. A new endpoint is one line here and a handler.
constexpr Route kRoutes[] = {
    {"POST", "/signup", Guard::signup_limit, signup},
    {"POST", "/login", Guard::login_limit, login},
    {"GET", "/protected", Guard::bearer, protected_resource},
    {"POST", "/logout", Guard::bearer, logout},
    {"POST", "/refresh_token", Guard::none, refresh},  // the refresh token is its own credential
    {"GET", "/get_active_sessions", Guard::bearer, active_sessions},
    {"POST", "/logout_all", Guard::bearer, logout_all},
    {"POST", "/logout_others", Guard::bearer, logout_others},
    {"POST", "/change_password", Guard::bearer, change_password},
    {"GET", "/.well-known/jwks.json", Guard::none, jwks},
    {"GET", "/.well-known/openid-configuration", Guard::none, discovery},
    {"POST", "/introspect", Guard::none, introspect},  // the service credential, checked by the handler
    {"POST", "/revoke", Guard::none, revoke},
    {"GET", "/healthz", Guard::none, health},
};

}  // namespace

void add_routes(http::Router& router, auth::Service& service, WorkerPool& pool, ApiOptions options) {
  const std::string cache_control = "public, max-age=" + std::to_string(options.jwks_max_age);
  auto api = std::make_shared<const ApiContext>(
      ApiContext{service, pool, ErrorAnswers(service.options()), std::move(options), cache_control});
  auto login_limit = std::make_shared<http::RateLimiter>(api->options.login_per_minute, api->options.login_per_minute);
  auto signup_limit =
      std::make_shared<http::RateLimiter>(api->options.signup_per_minute, api->options.signup_per_minute);
  auth::PasswordLogin* logins = &service.logins();
  for (const Route& r : kRoutes) {
    http::RouteOptions o;
    switch (r.guard) {
      case Guard::none: break;
      case Guard::bearer:
        o.middleware.push_back(bearer_auth(service.authenticator(), api->errors));
        o.security = "bearer";
        break;
      case Guard::login_limit:
        o.middleware.push_back(rate_limit(login_limit, [logins] { logins->count_rate_limited(); }));
        break;
      case Guard::signup_limit: o.middleware.push_back(rate_limit(signup_limit)); break;
    }
    router.add(r.method, r.path,
               [api, h = r.handler](const http::Request& req) { return h(*api, req); }, std::move(o));
  }
  add_openapi_route(router);
}

}  // namespace latchkey::api
