#include "api/routes.hpp"

#include <memory>

#include "api/middleware.hpp"
#include "api/openapi.hpp"

namespace latchkey::api {

namespace {

// Who may call a route. (How often is the abuse limits': abuse/limits.hpp,
// counted where the request is understood, in the auth jobs and handlers.)
enum class Guard { none, bearer, account };

struct Route {
  std::string_view method;
  std::string_view path;
  Guard guard;
  Handler handler;
};

// The whole public API. A new endpoint is one line here and a handler.
constexpr Route kRoutes[] = {
    {"POST", "/signup", Guard::none, signup},
    {"POST", "/login", Guard::none, login},
    {"GET", "/protected", Guard::bearer, protected_resource},
    {"POST", "/logout", Guard::account, logout},
    {"POST", "/refresh_token", Guard::none, refresh},  // the refresh token is its own credential
    {"GET", "/get_active_sessions", Guard::account, active_sessions},
    {"POST", "/logout_all", Guard::account, logout_all},
    {"POST", "/logout_others", Guard::account, logout_others},
    {"POST", "/change_password", Guard::account, change_password},
    {"POST", "/login/mfa", Guard::none, login_mfa},  // the mfa_token is its own credential
    {"GET", "/account/mfa", Guard::account, mfa_status},
    {"POST", "/account/mfa/totp", Guard::account, totp_begin},
    {"POST", "/account/mfa/totp/confirm", Guard::account, totp_confirm},
    {"DELETE", "/account/mfa/totp", Guard::account, totp_remove},
    {"POST", "/account/mfa/recovery_codes", Guard::account, recovery_codes_new},
    {"POST", "/webauthn/register/options", Guard::account, passkey_register_options},
    {"POST", "/webauthn/register", Guard::account, passkey_register},
    {"POST", "/webauthn/login/options", Guard::none, passkey_login_options},
    {"POST", "/webauthn/login", Guard::none, passkey_login},  // the passkey is its own credential
    {"POST", "/login/mfa/passkey/options", Guard::none, passkey_second_factor_options},
    {"GET", "/account/passkeys", Guard::account, passkeys_list},
    {"PATCH", "/account/passkeys/{id}", Guard::account, passkey_rename},
    {"DELETE", "/account/passkeys/{id}", Guard::account, passkey_remove},
    {"GET", "/account/email", Guard::account, account_email},
    {"POST", "/account/email", Guard::account, account_email_change},
    {"POST", "/account/email/resend", Guard::account, account_email_resend},
    {"POST", "/email/verify", Guard::none, email_verify},        // the link's token is its own credential
    {"POST", "/password/forgot", Guard::none, password_forgot},
    {"POST", "/password/reset", Guard::none, password_reset},    // the link's token is its own credential
    {"GET", "/.well-known/jwks.json", Guard::none, jwks},
    {"POST", "/introspect", Guard::none, introspect},  // the service credential, checked by the handler
    {"POST", "/revoke", Guard::none, revoke},
    {"GET", "/healthz", Guard::none, health},
};

}  // namespace

void add_routes(http::Router& router, auth::Service& service, WorkerPool& pool, ApiOptions options) {
  const std::string cache_control = "public, max-age=" + std::to_string(options.jwks_max_age);
  if (!options.mfa) options.mfa = std::make_shared<mfa::SecondFactors>(service, mfa::Options{});
  mfa::SecondFactors& factors = *options.mfa;  // held by the context's options: as long as the routes
  if (!options.email) options.email = std::make_shared<email::Flows>(service, factors.sign_in_step(), email::Options{});
  email::Flows& flows = *options.email;
  auto api = std::make_shared<const ApiContext>(
      ApiContext{service, pool, ErrorAnswers(service.options()), std::move(options), cache_control, factors, flows});
  for (const Route& r : kRoutes) {
    http::RouteOptions o;
    switch (r.guard) {
      case Guard::none: break;
      case Guard::bearer:
      case Guard::account:
        o.middleware.push_back(bearer_auth(service.authenticator(), api->errors,
                                           r.guard == Guard::account ? Holder::account : Holder::anyone));
        o.security = "bearer";
        break;
    }
    router.add(r.method, r.path,
               [api, h = r.handler](const http::Request& req) { return h(*api, req); }, std::move(o));
  }
  add_openapi_route(router);
}

}  // namespace latchkey::api
