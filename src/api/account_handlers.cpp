// POST /signup, POST /login, POST /change_password: the handlers that hash a
// password, each in two phases (api/hash_then_store.hpp).
#include <boost/json.hpp>

#include "api/api_context.hpp"
#include "api/hash_then_store.hpp"
#include "api/json_io.hpp"
#include "api/middleware.hpp"

namespace latchkey::api {

namespace json = boost::json;
using boost::asio::awaitable;
using http::Request;
using http::Response;

awaitable<Response> signup(const ApiContext& api, const Request& req) {
  auto in = string_fields<2>(req.body, {"username", "password"});
  if (!in) co_return std::move(in.error());
  auth::Accounts& accounts = api.service.accounts();
  const auth::Client client = client_of(req);
  UnixSeconds retry_after = 0;
  auto r = co_await hash_then_store(
      api.pool, [&] { return accounts.prepare_signup((*in)[0], (*in)[1], client, &retry_after); },
      [&](auth::NewAccount a) { return accounts.complete_signup(std::move(a), client); });
  co_return with_retry_after(
      reply(api.errors, r, [] { return json_response(201, json::object{{"message", "User created successfully"}}); }),
      retry_after);
}

awaitable<Response> login(const ApiContext& api, const Request& req) {
  auto in = string_fields<2>(req.body, {"username", "password"});
  if (!in) co_return std::move(in.error());
  auth::PasswordLogin& logins = api.service.logins();
  const auth::Client client = client_of(req);
  // The password check (and any hash upgrade) first, then the session write.
  UnixSeconds retry_after = 0;
  auto r = co_await hash_then_store(
      api.pool, [&] { return logins.verify_login((*in)[0], (*in)[1], client, &retry_after); },
      [&](auth::VerifiedLogin v) { return logins.complete_login(std::move(v), client); });
  co_return with_retry_after(reply(api.errors, r, [](const auth::TokenPair& t) {
    return json_response(200, json::object{
                                  {"message", "Login successful"},
                                  {"access_token", t.access_token},
                                  {"refresh_token", t.refresh_token},
                                  {"token_type", "Bearer"},
                                  {"expires_in", t.expires_in},
                                  {"session_id", t.session_id},
                              });
  }), retry_after);
}

awaitable<Response> change_password(const ApiContext& api, const Request& req) {
  const auth::Principal caller = principal_of(req);
  auto in = string_fields<2>(req.body, {"current_password", "new_password"});
  if (!in) co_return std::move(in.error());
  auth::Accounts& accounts = api.service.accounts();
  const auth::Client client = client_of(req);
  // Both hashes first, then the writes.
  auto r = co_await hash_then_store(
      api.pool, [&] { return accounts.verify_password_change(caller, (*in)[0], (*in)[1], client); },
      [&](auth::VerifiedPasswordChange c) { return accounts.complete_password_change(std::move(c), client); });
  co_return reply(api.errors, r, [](std::size_t ended) {
    return json_response(200, json::object{{"message", "Password changed"}, {"sessions_ended", ended}});
  });
}

}  // namespace latchkey::api
