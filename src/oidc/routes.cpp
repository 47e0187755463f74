#include "oidc/routes.hpp"

#include "api/middleware.hpp"
#include "oidc/endpoints/endpoints.hpp"

namespace latchkey::oidc {

namespace {

using Handler = Answer (*)(const Provider&, const http::Request&);

struct Route {
  std::string_view method;
  std::string_view path;
  Handler handler;
  std::size_t max_body = 0;  // 0: the server's limit
  bool bearer = false;       // the person's access token (api/middleware.hpp)
};

// Forms are small: a login is two fields and the request it resumes.
constexpr std::size_t kFormBytes = 32 * 1024;

// The whole provider. A new endpoint is one line here and a file in endpoints/.
constexpr Route kRoutes[] = {
    {"GET", "/.well-known/openid-configuration", discovery},
    {"GET", "/authorize", authorize},
    {"POST", "/authorize", authorize, kFormBytes},
    {"POST", "/signin", signin, kFormBytes},
    {"POST", "/signin/mfa", signin_mfa, kFormBytes},
    {"POST", "/signin/passkey", signin_passkey, kFormBytes},
    {"GET", "/create-account", signup_form},
    {"POST", "/create-account", signup, kFormBytes},
    {"GET", "/forgot-password", forgot_password_form},
    {"POST", "/forgot-password", forgot_password, kFormBytes},
    {"GET", "/reset-password", reset_password_form},
    {"POST", "/reset-password", reset_password, kFormBytes},
    {"GET", "/verify-email", verify_email_form},
    {"POST", "/verify-email", verify_email, kFormBytes},
    {"POST", "/consent", consent, kFormBytes},
    {"POST", "/token", token, kFormBytes},
    {"GET", "/userinfo", userinfo},
    {"POST", "/userinfo", userinfo, kFormBytes},
    {"GET", "/end_session", end_session},
    {"POST", "/end_session", end_session, kFormBytes},
    {"GET", "/assets/style.css", stylesheet},
    {"GET", "/consents", list_consents, 0, true},
    {"DELETE", "/consents/{client_id}", revoke_consent, 0, true},
};

}  // namespace

Endpoints::Endpoints(const std::string& issuer)
    : authorization(issuer + "/authorize"),
      token(issuer + "/token"),
      userinfo(issuer + "/userinfo"),
      registration(issuer + "/register"),
      end_session(issuer + "/end_session"),
      jwks(issuer + "/.well-known/jwks.json"),
      signin(issuer + "/signin"),
      consent(issuer + "/consent"),
      signup(issuer + "/create-account") {}

void add_oidc_routes(http::Router& router, std::shared_ptr<const Provider> provider) {
  for (const Route& r : kRoutes) {
    http::RouteOptions o;
    o.max_body_bytes = r.max_body;
    if (r.bearer) {
      o.middleware.push_back(api::bearer_auth(provider->service.authenticator(),
                                                 api::ErrorAnswers(provider->service.options()), api::Holder::account));
      o.security = "bearer";
    }
    router.add(r.method, r.path, [provider, h = r.handler](const http::Request& req) { return h(*provider, req); },
               std::move(o));
  }
}

}  // namespace latchkey::oidc
