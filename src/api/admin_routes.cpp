#include "api/admin_routes.hpp"

#include <charconv>
#include <memory>

#include <boost/json.hpp>

#include "api/admin_context.hpp"
#include "api/middleware.hpp"
#include "http/form.hpp"

namespace latchkey::api {

namespace json = boost::json;
using http::Request;
using http::Response;

namespace {

constexpr std::size_t kMaxLimit = 1000;

struct AdminRoute {
  std::string_view method;
  std::string_view path;
  AdminHandler handler;
};

// The whole admin API; every route needs the admin token.
constexpr AdminRoute kAdminRoutes[] = {
    {"GET", "/admin/users", list_users},
    {"POST", "/admin/users", add_user},
    {"GET", "/admin/users/{name}", show_user},
    {"DELETE", "/admin/users/{name}", delete_user},
    {"POST", "/admin/users/{name}/disable", disable_user},
    {"POST", "/admin/users/{name}/enable", enable_user},
    {"POST", "/admin/users/{name}/password", set_password},
    {"GET", "/admin/users/{name}/sessions", user_sessions},
    {"DELETE", "/admin/users/{name}/sessions", revoke_user_sessions},
    {"DELETE", "/admin/users/{name}/sessions/{id}", revoke_user_session},
    {"GET", "/admin/users/{name}/audit", user_audit},
    {"GET", "/admin/users/{name}/factors", user_factors},
    {"DELETE", "/admin/users/{name}/factors", reset_user_factors},
    {"GET", "/admin/users/{name}/locks", user_locks},
    {"DELETE", "/admin/users/{name}/locks", clear_user_locks},
    {"GET", "/admin/locks", list_locks},
    {"DELETE", "/admin/ips/{ip}/locks", clear_ip_locks},
    {"GET", "/admin/audit", all_audit},
    {"GET", "/admin/mail", list_mail},
    {"POST", "/admin/mail/{id}/retry", retry_mail},
    {"GET", "/admin/keys", list_keys},
    {"POST", "/admin/keys/rotate", rotate_key},
};

// OAuth clients, when the API has the registry.
constexpr AdminRoute kClientRoutes[] = {
    {"GET", "/admin/clients", list_clients},
    {"POST", "/admin/clients", add_client},
    {"GET", "/admin/clients/{id}", show_client},
    {"PUT", "/admin/clients/{id}", update_client},
    {"DELETE", "/admin/clients/{id}", delete_client},
    {"POST", "/admin/clients/{id}/secret", rotate_client_secret},
};

// People's consents, when the API has them.
constexpr AdminRoute kConsentRoutes[] = {
    {"GET", "/admin/users/{name}/consents", user_consents},
    {"DELETE", "/admin/users/{name}/consents/{client_id}", revoke_user_consent},
};

// "<at>.<seq>", as `next` gives it.
std::optional<std::pair<UnixSeconds, std::int64_t>> parse_before(std::string_view v) {
  const auto dot = v.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  UnixSeconds at = 0;
  std::int64_t seq = 0;
  const char* b = v.data();
  const char* e = v.data() + v.size();
  auto r1 = std::from_chars(b, b + dot, at);
  auto r2 = std::from_chars(b + dot + 1, e, seq);
  if (r1.ec != std::errc{} || r1.ptr != b + dot || r2.ec != std::errc{} || r2.ptr != e) return std::nullopt;
  return std::pair{at, seq};
}

}  // namespace

Response admin_message(unsigned status, std::string_view text, std::optional<std::size_t> ended) {
  json::object o{{"message", text}};
  if (ended) o["sessions_ended"] = *ended;
  return json_response(status, o);
}

tl::expected<Page, Response> page_of(const Request& req) {
  auto form = http::parse_form(req.query);
  if (!form) return tl::unexpected(bad_request("The query string is malformed"));
  Page p;
  for (const auto& [k, v] : *form) {
    if (k == "limit") {
      std::size_t n = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc{} || end != v.data() + v.size() || n < 1 || n > kMaxLimit)
        return tl::unexpected(bad_request("limit must be a whole number from 1 to 1000"));
      p.limit = n;
    } else if (k == "after") {
      p.after = v;
    } else if (k == "user") {
      p.user = v;
    } else if (k == "before") {
      p.before = parse_before(v);
      if (!p.before) return tl::unexpected(bad_request("before must be a `next` value"));
    } else {
      return tl::unexpected(bad_request("Unknown query parameter '" + k + "'"));
    }
  }
  return p;
}

void add_admin_routes(http::Router& router, auth::Admin& admin, WorkerPool& pool, AdminApiOptions options) {
  if (!options.token) {
    // Off: every /admin/ path is an unknown path, under one label all the same.
    router.label_group("/admin/", "/admin/*");
    return;
  }
  // The token first, for every /admin/ path: without it, nothing is said of
  // which paths and methods exist.
  router.label_group("/admin/", "/admin/*", {admin_auth(*options.token, *options.limits)});
  std::optional<oidc::ClientAdmin> clients;
  if (options.clients) clients.emplace(*options.clients, admin.audit_log());
  auto api = std::make_shared<const AdminContext>(
      AdminContext{admin, pool, ErrorAnswers(admin.options().max_username_chars, admin.options().password.max_bytes),
                   std::move(options), clients});
  auto add = [&](const AdminRoute& r) {
    http::RouteOptions o;
    o.security = "admin";  // the group's guard
    router.add(r.method, r.path, [api, h = r.handler](const Request& req) { return h(*api, req); }, std::move(o));
  };
  for (const AdminRoute& r : kAdminRoutes) add(r);
  if (api->clients) {
    for (const AdminRoute& r : kClientRoutes) add(r);
  }
  if (api->options.consents) {
    for (const AdminRoute& r : kConsentRoutes) add(r);
  }
}

std::vector<std::string> admin_route_list(const http::Router& router) {
  std::vector<std::string> out;
  for (const auto& r : router.route_info()) {
    if (r.security == "admin") out.push_back(r.method + " " + r.pattern);
  }
  return out;
}

}  // namespace latchkey::api
