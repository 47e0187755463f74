// The abuse limits' locks in the admin API: list them, and clear an
// account's or an IP's (auth::Admin::locks, clear_locks).
#include <boost/json.hpp>

#include "api/admin_context.hpp"
#include "http/form.hpp"

namespace latchkey::api {

namespace json = boost::json;
using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

json::object lock_json(const store::LimitRow& r, UnixSeconds now) {
  return json::object{{"limit", r.key.limit},
                      {"account", r.key.account},
                      {"ip", r.key.ip},
                      {"failures", r.counter.count},
                      {"locked_until", r.counter.locked_until},
                      {"retry_after", r.counter.retry_after(now)}};
}

Response locks_json(const std::vector<store::LimitRow>& rows) {
  const UnixSeconds now = now_unix();
  json::array out;
  for (const auto& r : rows) out.push_back(lock_json(r, now));
  return json_response(200, json::object{{"locks", std::move(out)}});
}

// `user` and `ip` of the query; anything else is a mistake worth saying.
struct LockQuery {
  std::string user;
  std::string ip;
};
tl::expected<LockQuery, Response> lock_query(const Request& req) {
  auto form = http::parse_form(req.query);
  if (!form) return tl::unexpected(bad_request("The query string is malformed"));
  LockQuery q;
  for (const auto& [k, v] : *form) {
    if (k == "user") q.user = v;
    else if (k == "ip") q.ip = v;
    else return tl::unexpected(bad_request("Unknown query parameter '" + k + "'"));
  }
  return q;
}

}  // namespace

awaitable<Response> list_locks(const AdminContext& api, const Request& req) {
  auto q = lock_query(req);
  if (!q) co_return std::move(q.error());
  co_return co_await api.run([&] { return api.admin.locks(q->user, q->ip); }, locks_json);
}

awaitable<Response> user_locks(const AdminContext& api, const Request& req) {
  co_return co_await api.run([&] { return api.admin.locks(req.param("name"), {}); }, locks_json);
}

awaitable<Response> clear_user_locks(const AdminContext& api, const Request& req) {
  auto q = lock_query(req);
  if (!q) co_return std::move(q.error());
  if (!q->user.empty()) co_return bad_request("The user is the path's");
  co_return co_await api.run([&] { return api.admin.clear_locks(req.param("name"), q->ip, actor_of(req)); },
                             [](std::size_t n) { return json_response(200, json::object{{"message", "Unlocked"}, {"cleared", n}}); });
}

awaitable<Response> clear_ip_locks(const AdminContext& api, const Request& req) {
  co_return co_await api.run([&] { return api.admin.clear_locks({}, req.param("ip"), actor_of(req)); },
                             [](std::size_t n) { return json_response(200, json::object{{"message", "Unlocked"}, {"cleared", n}}); });
}

}  // namespace latchkey::api
