// /admin/clients and /admin/clients/{id}[/secret]: the registered OAuth
// clients (oidc::ClientAdmin). Metadata is RFC 7591's, refused with its error
// codes (invalid_client_metadata, invalid_redirect_uri); an administrator may
// set first_party. A secret is in the answer that made it, never after.
#include <boost/json.hpp>

#include "api/admin_context.hpp"
#include "api/admin_json.hpp"

namespace latchkey::api {

namespace json = boost::json;
using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

Response client_failure(const AdminContext& api, const oidc::RegistryFailure& f) {
  switch (f.error) {
    case oidc::RegistryError::invalid_metadata: return http::json_error(400, f.metadata.code, f.metadata.description);
    case oidc::RegistryError::not_found: return http::json_error(404, "client_not_found", "Client not found");
    case oidc::RegistryError::unauthorized:  // no secret is checked here
    case oidc::RegistryError::unavailable: break;
  }
  return api.errors(auth::AuthError::unavailable);
}

// Runs `work` (blocking, returning oidc::Registered<T>) on the database
// lane; `ok` turns its value into the answer.
template <class Work, class Ok>
awaitable<Response> run(const AdminContext& api, Work work, Ok ok) {
  auto r = co_await api.pool.run(std::move(work));
  if (!r) co_return api.errors(auth::AuthError::unavailable);
  if (!*r) co_return client_failure(api, r->error());
  if constexpr (std::is_void_v<typename std::decay_t<decltype(*r)>::value_type>) {
    co_return ok();
  } else {
    co_return ok(**r);
  }
}

}  // namespace

awaitable<Response> list_clients(const AdminContext& api, const Request& req) {
  auto page = page_of(req);
  if (!page) co_return std::move(page.error());
  if (!page->user.empty() || page->before) co_return bad_request("clients take limit and after");
  co_return co_await run(api, [&] { return api.clients->registry().list(page->after, page->limit); },
                         [&](const std::vector<oidc::Client>& rows) {
                           json::array out;
                           for (const auto& c : rows) out.push_back(client_json(c));
                           json::object o{{"clients", std::move(out)}};
                           // The next page starts after the last id of a full one.
                           o["next"] = rows.size() == page->limit ? json::value(rows.back().id) : json::value(nullptr);
                           return json_response(200, o);
                         });
}

awaitable<Response> add_client(const AdminContext& api, const Request& req) {
  auto metadata = parse_object(req.body);
  if (!metadata) co_return body_error(metadata.error());
  co_return co_await run(api, [&] { return api.clients->add(*metadata, true, actor_of(req)); },
                         [](const oidc::Registration& r) { return json_response(201, registration_json(r)); });
}

awaitable<Response> show_client(const AdminContext& api, const Request& req) {
  co_return co_await run(api, [&] { return api.clients->registry().find(req.param("id")); },
                         [](const oidc::Client& c) { return json_response(200, client_json(c)); });
}

awaitable<Response> update_client(const AdminContext& api, const Request& req) {
  auto metadata = parse_object(req.body);
  if (!metadata) co_return body_error(metadata.error());
  co_return co_await run(api, [&] { return api.clients->update(req.param("id"), *metadata, true, actor_of(req)); },
                         [](const oidc::Registration& r) { return json_response(200, registration_json(r)); });
}

awaitable<Response> delete_client(const AdminContext& api, const Request& req) {
  co_return co_await run(api, [&] { return api.clients->remove(req.param("id"), actor_of(req)); },
                         [] { return admin_message(200, "Client deleted"); });
}

awaitable<Response> rotate_client_secret(const AdminContext& api, const Request& req) {
  co_return co_await run(api, [&] { return api.clients->rotate_secret(req.param("id"), actor_of(req)); },
                         [](const oidc::Registration& r) { return json_response(200, registration_json(r)); });
}

}  // namespace latchkey::api
