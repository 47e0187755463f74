// /admin/users and /admin/users/{name}[/...]: accounts and their sessions.
#include <boost/json.hpp>

#include "email/addresses.hpp"
#include "api/admin_context.hpp"
#include "api/admin_json.hpp"
#include "api/hash_then_store.hpp"

namespace latchkey::api {

namespace json = boost::json;
using boost::asio::awaitable;
using http::Request;
using http::Response;

awaitable<Response> list_users(const AdminContext& api, const Request& req) {
  auto page = page_of(req);
  if (!page) co_return std::move(page.error());
  if (!page->user.empty() || page->before) co_return bad_request("users take limit and after");
  co_return co_await api.run([&] { return api.admin.list_users(page->after, page->limit); }, [&](const auto& rows) {
    json::array out;
    for (const auto& u : rows) out.push_back(user_json(u));
    json::object o{{"users", std::move(out)}};
    // The next page starts after the last name of a full one.
    o["next"] = rows.size() == page->limit ? json::value(rows.back().user.username) : json::value(nullptr);
    return json_response(200, o);
  });
}

// {"username", "password", "email"?, "email_verified"?}: an address the
// administrator vouches for may be stored verified.
awaitable<Response> add_user(const AdminContext& api, const Request& req) {
  auto in = string_fields<3>(req.body, {"username", "password", "email"});
  if (!in) co_return std::move(in.error());
  bool verified = false;
  if (const auto* v = in->body.if_contains("email_verified"); v != nullptr && !v->is_null()) {
    if (!v->is_bool()) co_return bad_request("email_verified must be true or false");
    verified = v->get_bool();
  }
  std::string address;
  if (!(*in)[2].empty()) {
    auto normal = email::address_of((*in)[2]);
    if (!normal) co_return api.errors(normal.error());
    address = std::move(*normal);
  } else if (verified) {
    co_return bad_request("email_verified needs an email");
  }
  const auth::Actor actor = actor_of(req);
  auto r = co_await hash_then_store(
      api.pool,
      [&]() -> auth::Expected<auth::NewAccount> {
        auto account = api.admin.prepare_user((*in)[0], (*in)[1]);
        if (account) account->set_email(address, verified);
        return account;
      },
      [&](auth::NewAccount account) { return api.admin.store_user(std::move(account), actor); });
  co_return reply(api.errors, r, [](const store::UserSummary& u) { return json_response(201, user_json(u)); });
}

awaitable<Response> show_user(const AdminContext& api, const Request& req) {
  co_return co_await api.run([&] { return api.admin.show_user(req.param("name")); },
                             [](const auto& u) { return json_response(200, user_json(u)); });
}

awaitable<Response> delete_user(const AdminContext& api, const Request& req) {
  co_return co_await api.run([&] { return api.admin.delete_user(req.param("name"), actor_of(req)); },
                             [](std::size_t n) { return admin_message(200, "User deleted", n); });
}

awaitable<Response> disable_user(const AdminContext& api, const Request& req) {
  co_return co_await api.run([&] { return api.admin.disable_user(req.param("name"), actor_of(req)); },
                             [](std::size_t n) { return admin_message(200, "User disabled", n); });
}

awaitable<Response> enable_user(const AdminContext& api, const Request& req) {
  co_return co_await api.run([&] { return api.admin.enable_user(req.param("name"), actor_of(req)); },
                             [] { return admin_message(200, "User enabled"); });
}

awaitable<Response> set_password(const AdminContext& api, const Request& req) {
  auto in = string_fields<1>(req.body, {"password"});
  if (!in) co_return std::move(in.error());
  if ((*in)[0].empty()) co_return bad_request("password is required");
  const std::string_view name = req.param("name");
  const auth::Actor actor = actor_of(req);
  auto r = co_await hash_then_store(
      api.pool, [&] { return api.admin.prepare_password(name, (*in)[0]); },
      [&](auth::Admin::NewPassword change) { return api.admin.store_password(std::move(change), actor); });
  co_return reply(api.errors, r, [](std::size_t n) { return admin_message(200, "Password set", n); });
}

awaitable<Response> user_sessions(const AdminContext& api, const Request& req) {
  co_return co_await api.run([&] { return api.admin.sessions(req.param("name")); }, [](const auto& rows) {
    json::array out;
    for (const auto& s : rows) out.push_back(session_json(s));
    return json_response(200, json::object{{"sessions", std::move(out)}});
  });
}

awaitable<Response> revoke_user_sessions(const AdminContext& api, const Request& req) {
  co_return co_await api.run([&] { return api.admin.revoke_sessions(req.param("name"), actor_of(req)); },
                             [](std::size_t n) { return admin_message(200, "Sessions ended", n); });
}

awaitable<Response> revoke_user_session(const AdminContext& api, const Request& req) {
  co_return co_await api.run(
      [&] { return api.admin.revoke_session(req.param("name"), req.param("id"), actor_of(req)); },
      [] { return admin_message(200, "Session ended"); });
}

// A lost phone: the user's authenticator and recovery codes go, so the
// password alone signs in again (the user then sets up a new one).
awaitable<Response> user_factors(const AdminContext& api, const Request& req) {
  co_return co_await api.run([&] { return api.admin.factors(req.param("name")); },
                             [](const store::FactorSummary& f) { return json_response(200, factors_json(f)); });
}

awaitable<Response> reset_user_factors(const AdminContext& api, const Request& req) {
  co_return co_await api.run([&] { return api.admin.reset_factors(req.param("name"), actor_of(req)); },
                             [](std::int64_t n) {
                               return json_response(200, json::object{{"message", "Second factors removed"},
                                                                      {"factors_removed", n}});
                             });
}

}  // namespace latchkey::api
