#pragma once
// The /admin/ HTTP API: the `latchkey user|sessions|audit|keys|clients` commands over
// HTTP, for operators' tools. Every call needs `Authorization: Bearer
// <ADMIN_TOKEN>` (compared in constant time; failed attempts limited per
// client IP by the admin_token limit, 429); with ADMIN_TOKEN unset no /admin/ route exists, so every
// /admin/ path answers 404 exactly as an unknown path and the API's existence
// is not advertised. Blocking work runs on the worker pool, through auth::Admin.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "abuse/limiter.hpp"
#include "auth/admin.hpp"
#include "auth/key_bootstrap.hpp"
#include "http/router.hpp"
#include "oidc/client_registry.hpp"
#include "oidc/consents.hpp"
#include "util/worker_pool.hpp"

namespace latchkey::api {

struct AdminApiOptions {
  std::optional<std::string> token;      // ADMIN_TOKEN; unset: the API is off
  // Failed authentications count against the admin_token limit here.
  abuse::Limiter* limits = nullptr;
  // Keys: listing and rotation, as `latchkey keys`.
  auth::KeyPolicy key_policy;
  UnixSeconds key_publish_delay = 600;
  // Called (on a worker) after a rotation, so this instance reloads its keys at once.
  std::function<void()> reload_keys;
  // OAuth clients: /admin/clients, as `latchkey clients`. Null: no such
  // routes (tests of the rest).
  oidc::ClientRegistry* clients = nullptr;
  // What people let the clients do: /admin/users/{name}/consents. Null: no such routes.
  oidc::Consents* consents = nullptr;
};

void add_admin_routes(http::Router& router, auth::Admin& admin, WorkerPool& pool, AdminApiOptions options);

// "METHOD /admin/..." of every admin route `router` serves, with {name} and
// {id} placeholders: for documentation tests.
std::vector<std::string> admin_route_list(const http::Router& router);

}  // namespace latchkey::api
