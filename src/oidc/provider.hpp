#pragma once
// What the OpenID Connect provider's endpoints work with, built once by the
// composition root (app/serve.cpp) and shared read-only by every handler:
// the auth jobs, the lanes, the clients, the browser sessions, the pages.
// The endpoints themselves are in endpoints/ (one file each), the grants
// of the token endpoint in grants/ (one file each, chosen by grant_type).
#include <memory>
#include <string>

#include "auth/service.hpp"
#include "email/flows.hpp"
#include "mfa/second_factors.hpp"
#include "oidc/browser_sessions.hpp"
#include "oidc/client_registry.hpp"
#include "oidc/consents.hpp"
#include "util/worker_pool.hpp"
#include "web/csrf.hpp"
#include "web/templates.hpp"

namespace latchkey::oidc {

struct ProviderOptions {
  std::string issuer;        // ISSUER: every endpoint's URL starts with it
  bool https = false;        // the issuer is https: cookies are Secure and __Host-
  UnixSeconds code_ttl = 60;  // RFC 6749 4.1.2: "a maximum lifetime of 10 minutes is RECOMMENDED"; ours is shorter
  UnixSeconds id_token_ttl = 15 * 60;
  bool signup_open = true;   // the login page links to the sign-up page
  bool registration_open = false;  // ADMIN_TOKEN set: POST /register takes it as the initial access token
  // The account page: a security change needs a credential entered this recently.
  UnixSeconds reauthenticate_after = 300;
};

// The endpoints' URLs, derived from the issuer once.
struct Endpoints {
  std::string authorization, token, userinfo, registration, end_session, jwks, signin, consent, signup;
  explicit Endpoints(const std::string& issuer);
};

struct Provider {
  auth::Service& service;
  WorkerPool& pool;
  ClientRegistry& clients;
  BrowserSessions& browsers;
  Consents& consents;
  const web::Templates& pages;
  const web::Csrf& csrf;
  ProviderOptions options;
  Endpoints urls;
  mfa::SecondFactors& mfa;  // the sign-in's second step
  email::Flows& email;      // addresses, verification, password reset
};

}  // namespace latchkey::oidc
