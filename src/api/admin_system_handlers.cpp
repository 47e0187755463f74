// /admin/audit, /admin/users/{name}/audit and /admin/keys[/rotate]: the trail
// and the signing keys.
#include <boost/json.hpp>

#include "api/admin_context.hpp"
#include "api/admin_json.hpp"

namespace latchkey::api {

namespace json = boost::json;
using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

// One user's events (`user` from the path, or ?user=) or everyone's.
awaitable<Response> audit(const AdminContext& api, const Request& req, std::optional<std::string> user) {
  auto page = page_of(req);
  if (!page) co_return std::move(page.error());
  if (!page->after.empty()) co_return bad_request("the audit trail takes limit, before and user");
  if (!user && !page->user.empty()) user = page->user;
  if (user && !page->user.empty() && *user != page->user) co_return bad_request("two different users named");
  std::optional<std::string_view> who;
  if (user) who = *user;
  co_return co_await api.run([&] { return api.admin.audit(who, page->limit, page->before); }, [&](const auto& rows) {
    json::array out;
    for (const auto& e : rows) out.push_back(event_json(e));
    json::object o{{"events", std::move(out)}};
    o["next"] = rows.size() == page->limit
                    ? json::value(std::to_string(rows.back().at) + "." + std::to_string(rows.back().seq))
                    : json::value(nullptr);
    return json_response(200, o);
  });
}

}  // namespace

awaitable<Response> user_audit(const AdminContext& api, const Request& req) {
  return audit(api, req, std::string(req.param("name")));
}

awaitable<Response> all_audit(const AdminContext& api, const Request& req) { return audit(api, req, std::nullopt); }

awaitable<Response> list_keys(const AdminContext& api, const Request&) {
  const auth::KeyPolicy& policy = api.options.key_policy;
  if (policy.secret) {
    co_return json_response(200, json::object{{"keys", json::array{json::object{
                                                          {"kid", token::kid_for_secret(*policy.secret)},
                                                          {"alg", "HS256"},
                                                          {"state", "signing"},
                                                          {"source", "SECRET_KEY"}}}}});
  }
  co_return co_await api.run([&] { return api.admin.keys(); }, [&](const std::vector<store::StoredKey>& rows) {
    const UnixSeconds now = now_unix();
    json::array out;
    for (const auto& k : rows) {
      out.push_back(json::object{{"kid", k.kid},
                                 {"alg", k.alg},
                                 {"state", auth::key_state_name(auth::key_state(k, rows, policy, now))},
                                 {"signs_from", format_rfc3339(k.not_before)},
                                 {"retired_at", time_or_null(k.retired_at)}});
    }
    return json_response(200, json::object{{"keys", std::move(out)}});
  });
}

awaitable<Response> rotate_key(const AdminContext& api, const Request& req) {
  auto body = parse_object(req.body);
  if (!body) co_return body_error(body.error());
  bool at_once = false;
  if (auto it = body->find("now"); it != body->end() && !it->value().is_null()) {
    if (!it->value().is_bool()) co_return bad_request("Field 'now' must be a boolean");
    at_once = it->value().get_bool();
  }
  if (api.options.key_policy.secret)
    co_return http::json_error(409, "secret_key_set", "SECRET_KEY is set; rotate it by changing SECRET_KEY");
  const UnixSeconds delay = at_once ? 0 : api.options.key_publish_delay;
  const auth::Actor actor = actor_of(req);
  // This instance reloads its keys once the new one is committed (on
  // SQLite's batch lane the job runs inside a transaction).
  auto r = co_await api.pool.run([&] { return api.admin.rotate_key(api.options.key_policy.alg, delay, actor); },
                                 [&](auth::Expected<store::StoredKey> key) {
                                   if (key && api.options.reload_keys) api.options.reload_keys();
                                   return key;
                                 });
  co_return reply(api.errors, r, [](const store::StoredKey& k) {
    return json_response(200, json::object{{"message", "Key rotated"},
                                           {"kid", k.kid},
                                           {"alg", k.alg},
                                           {"signs_from", format_rfc3339(k.not_before)}});
  });
}

}  // namespace latchkey::api
