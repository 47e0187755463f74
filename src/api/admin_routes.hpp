#pragma once
// The /admin/ HTTP API: the `latchkey user|sessions|audit|keys` commands over
// HTTP, for operators' tools. Every call needs `Authorization: Bearer
// <ADMIN_TOKEN>` (compared in constant time); with ADMIN_TOKEN unset every
// /admin/ path answers 404, exactly as an unknown path, so the API's
// existence is not advertised. Failed authentications are rate-limited per
// client IP (429). Blocking work runs on the worker pool.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "auth/admin.hpp"
#include "auth/key_bootstrap.hpp"
#include "http/router.hpp"
#include "store/store.hpp"
#include "util/worker_pool.hpp"

namespace latchkey::api {

struct AdminApiOptions {
  std::optional<std::string> token;  // ADMIN_TOKEN; unset: the API is off
  unsigned failed_auth_per_minute = 10;  // per client IP
  // Keys: listing and rotation, as `latchkey keys`.
  store::Store* store = nullptr;
  auth::KeyPolicy key_policy;
  UnixSeconds key_publish_delay = 600;
  // Called (on a worker) after a rotation, so this instance reloads its keys at once.
  std::function<void()> reload_keys;
};

void add_admin_routes(http::Router& router, auth::Admin& admin, WorkerPool& pool, AdminApiOptions options);

// "METHOD /admin/..." for every admin route, with {name} and {id} placeholders
// (the router knows only the prefix): for documentation tests.
std::vector<std::string> admin_route_list();

}  // namespace latchkey::api
