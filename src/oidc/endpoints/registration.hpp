#pragma once
// Dynamic client registration (RFC 7591) and its management protocol (RFC
// 7592; OpenID Connect Dynamic Client Registration 1.0):
//
//  POST /register                 a new client, from its metadata. Only with
//      the initial access token `Authorization: Bearer <ADMIN_TOKEN>`: open
//      registration would let anyone add clients, and every client is one an
//      operator wanted. The token is the admin API's, checked the same way
//      (constant time; failures count against the IP's admin_token limit,
//      429 once it is locked, the right token too); a missing or wrong one is
//      401 invalid_token with `WWW-Authenticate: Bearer error="invalid_token"`.
//      With ADMIN_TOKEN unset the route does not exist: 404, as any unknown
//      path (and as the admin API then), not 403. No initial access token
//      could be right, so a 403 would tell nothing more than "not here", and
//      it would tell scanners that registration exists.
//  GET|PUT|DELETE /register/{client_id}   the client's own registration, with
//      the registration access token it got; a wrong token and an unknown
//      client are the same 401 invalid_token. Always on: a client registered
//      while ADMIN_TOKEN was set still manages itself after.
//
// Bodies are application/json, at most max_metadata_bytes (over it: 400
// invalid_client_metadata; over MAX_BODY_BYTES the server answers 413 before
// anything here runs). Errors are RFC 7591's {"error", "error_description"};
// every answer is Cache-Control: no-store. Secrets are shown once: the
// client_secret in the answer to POST (and to a PUT that makes a public
// client confidential), never after; the registration access token is
// answered back only to whoever presented it. Changes are audited with the
// actor "registration" (oidc/client_admin.hpp).
#include <cstddef>
#include <optional>
#include <string>

#include "abuse/limiter.hpp"
#include "auth/audit_log.hpp"
#include "http/router.hpp"
#include "oidc/client_registry.hpp"
#include "util/worker_pool.hpp"

namespace latchkey::oidc {

struct RegistrationOptions {
  // registration_client_uri is <issuer>/register/<client_id>.
  std::string issuer;
  // ADMIN_TOKEN; unset: no POST /register.
  std::optional<std::string> initial_access_token;
  // Failed initial access tokens count against the admin_token limit here;
  // needed when initial_access_token is set.
  abuse::Limiter* limits = nullptr;
  // The largest metadata document taken: redirect URIs, a JWK Set and a name
  // fit in a few KiB; this leaves room without letting one client weigh much.
  std::size_t max_metadata_bytes = 32 * 1024;
};

// Adds POST /register (when the initial access token is set) and GET, PUT
// and DELETE /register/{client_id}. Database work runs on `pool`'s database lane.
void add_registration_routes(http::Router& router, RegistrationOptions options, ClientRegistry& registry,
                             WorkerPool& pool, auth::AuditLog& audit);

}  // namespace latchkey::oidc
