// GET /protected, POST /refresh_token, POST /logout, /logout_all,
// /logout_others and GET /get_active_sessions: the seed's session endpoints
// and their siblings. The bearer check runs before these (bearer_auth).
#include <boost/json.hpp>

#include "api/admin_json.hpp"
#include "api/api_context.hpp"
#include "api/json_io.hpp"
#include "api/middleware.hpp"

namespace latchkey::api {

namespace json = boost::json;
using auth::AuthError;
using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

Response message(unsigned status, std::string_view text) {
  return json_response(status, json::object{{"message", text}});
}

// What administrators see of a session, and whether it is the caller's.
json::object own_session_json(const auth::SessionInfo& s) {
  json::object o = session_json(s);
  o["current"] = s.current;
  return o;
}

// POST /logout_all (keep_current = false) and /logout_others (true).
awaitable<Response> logout_many(const ApiContext& api, const Request& req, bool keep_current) {
  const auth::Principal caller = principal_of(req);
  auto r = co_await api.pool.run([&] { return api.service.sessions().logout_all(caller, keep_current, client_of(req)); });
  co_return reply(api.errors, r, [&](std::size_t ended) {
    return json_response(200, json::object{{"message", keep_current ? "Other sessions ended" : "All sessions ended"},
                                           {"sessions_ended", ended}});
  });
}

}  // namespace

awaitable<Response> protected_resource(const ApiContext&, const Request& req) {
  // The hottest answer: built straight into the connection's reused body
  // buffer, so no allocation once the connection has served one.
  constexpr std::string_view head = R"({"message":"Hello, )";
  constexpr std::string_view tail = R"(. You have successfully accessed the protected route."})";
  const std::string_view username = req.identity.name;
  Response r;
  if (req.body_buffer) r.body = std::move(*req.body_buffer);
  r.body.reserve(head.size() + 6 * username.size() + tail.size());
  r.body += head;
  append_json_escaped(r.body, username);
  r.body += tail;
  co_return r;
}

awaitable<Response> refresh(const ApiContext& api, const Request& req) {
  // Refresh tokens are 256-bit secrets, so guessing one is hopeless; still,
  // an IP presenting unknown ones again and again is refused for a while
  // (refresh_token limit), before any lookup.
  abuse::Limiter& limits = api.service.limits();
  const abuse::Key guesses = abuse::per_ip(abuse::Limit::refresh_token, req.remote_ip);
  if (const abuse::Verdict v = limits.peek(guesses, now_unix()); !v) {
    limits.count_refusal(v.limit);
    co_return too_many(v);
  }
  // The seed sends the refresh token twice, as the Bearer and in the body;
  // either alone is enough, and if both are there they must agree.
  std::string_view token;
  auto bearer = bearer_token(req);
  if (bearer) {
    token = *bearer;
  } else if (bearer.error() != AuthError::token_missing) {
    co_return api.errors(bearer.error());
  }
  auto in = string_fields<1>(req.body, {"refresh_token"});
  if (!in) co_return std::move(in.error());
  if (auto in_body = in->get(0)) {
    if (!token.empty() && token != *in_body) co_return api.errors(AuthError::token_mismatch);
    token = *in_body;
  }
  // A token that is not one of ours is a guess; an expired, ended or reused
  // one was ours (and has its own answers).
  auto guessed = [&](AuthError e) {
    if (e == AuthError::token_invalid || e == AuthError::token_wrong_type) limits.record_soon(guesses, now_unix());
  };
  // Digests before the database lane; the signing after the commit, while
  // the batch is flushed.
  auth::Sessions& sessions = api.service.sessions();
  auto request = sessions.prepare_refresh(token);
  if (!request) {
    guessed(request.error());
    co_return api.errors(request.error());
  }
  auto r = co_await api.pool.run([&] { return sessions.apply_refresh(*request, client_of(req)); },
                                 [&](auth::Expected<auth::RefreshGrant> grant) -> auth::Expected<auth::TokenPair> {
                                   if (!grant) return tl::unexpected(grant.error());
                                   return sessions.issue_refresh(std::move(*grant));
                                 });
  if (r && !*r) guessed(r->error());
  co_return reply(api.errors, r, [](const auth::TokenPair& t) {
    return json_response(200, json::object{
                                  {"message", "Token refreshed"},
                                  {"new_access_token", t.access_token},
                                  {"refresh_token", t.refresh_token},
                                  {"token_type", "Bearer"},
                                  {"expires_in", t.expires_in},
                              });
  });
}

awaitable<Response> logout(const ApiContext& api, const Request& req) {
  const auth::Principal caller = principal_of(req);
  auto in = string_fields<2>(req.body, {"token", "session_id"});
  if (!in) co_return std::move(in.error());
  const auth::LogoutTarget target{in->get(0), in->get(1)};
  auto r = co_await api.pool.run([&] { return api.service.sessions().logout(caller, target, client_of(req)); });
  co_return reply(api.errors, r, [](const std::string&) { return message(200, "Logout successful"); });
}

awaitable<Response> logout_all(const ApiContext& api, const Request& req) { return logout_many(api, req, false); }
awaitable<Response> logout_others(const ApiContext& api, const Request& req) { return logout_many(api, req, true); }

awaitable<Response> active_sessions(const ApiContext& api, const Request& req) {
  const auth::Principal caller = principal_of(req);
  auto r = co_await api.pool.run([&] { return api.service.sessions().list(caller); });
  co_return reply(api.errors, r, [](const std::vector<auth::SessionInfo>& rows) {
    json::array sessions;
    for (const auto& s : rows) sessions.push_back(own_session_json(s));
    return json_response(200, json::object{{"active_sessions", std::move(sessions)}});
  });
}

}  // namespace latchkey::api
