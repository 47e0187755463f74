// What services call: POST /introspect (RFC 7662), POST /revoke (RFC 7009),
// the key set and discovery documents, and GET /healthz.
#include <boost/json.hpp>

#include <algorithm>

#include "api/api_context.hpp"
#include "http/basic_credentials.hpp"
#include "api/json_io.hpp"
#include "api/middleware.hpp"
#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"
#include "http/form.hpp"

namespace latchkey::api {

namespace json = boost::json;
using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

// The `token` field of an RFC 7662 / RFC 7009 request: form-encoded as the
// RFCs say, or JSON for clients that only speak JSON.
tl::expected<std::string, Response> token_field(const Request& req) {
  std::string token;
  if (req.header("Content-Type").starts_with("application/json")) {
    auto in = string_fields<1>(req.body, {"token"});
    if (!in) return tl::unexpected(std::move(in.error()));
    token = std::string((*in)[0]);
  } else {
    auto form = http::parse_form(req.body);
    if (!form) {
      return tl::unexpected(http::json_error(400, "invalid_request",
                                             form.error() == http::FormError::repeated_field
                                                 ? "A form field was given twice"
                                                 : "Request body is not a valid form"));
    }
    if (auto it = form->find("token"); it != form->end()) token = it->second;
  }
  if (token.empty()) return tl::unexpected(http::json_error(400, "invalid_request", "token is required"));
  return token;
}

// The introspection credential: `Authorization: Basic base64(id:secret)` or
// `Bearer secret`, compared in constant time.
bool client_authorized(const Request& req, const std::optional<std::string>& secret) {
  if (!secret || req.repeated("Authorization")) return false;
  std::string presented;
  if (http::uses_basic(req)) {
    auto basic = http::basic_credentials(req);
    if (!basic) return false;
    presented = std::move(basic->secret);
  } else if (auto bearer = bearer_token(req)) {
    presented = std::string(*bearer);
  } else {
    return false;
  }
  return crypto::constant_time_equal(crypto::sha256(presented), crypto::sha256(*secret));
}

json::object introspection_json(const auth::Introspection& i, const auth::Options& o) {
  if (!i.active) return json::object{{"active", false}};
  json::object out{{"active", true}, {"token_type", i.token_type}, {"sub", i.sub}, {"username", i.username},
                   {"sid", i.sid},   {"iss", o.issuer},             {"iat", i.iat}, {"exp", i.exp}};
  if (i.token_type == "access_token") {
    out["aud"] = o.audience;
    out["jti"] = i.jti;
  }
  return out;
}

}  // namespace

awaitable<Response> introspect(const ApiContext& api, const Request& req) {
  const std::optional<std::string>& secret = api.options.introspection_secret;
  // The secret is a guessable credential: failures count per IP, and a
  // locked IP is refused before its next guess is compared.
  abuse::Limiter& limits = api.service.limits();
  const abuse::Key guesses = abuse::per_ip(abuse::Limit::introspection_secret, req.remote_ip);
  if (const abuse::Verdict v = limits.peek(guesses, now_unix()); !v) {
    limits.count_refusal(v.limit);
    co_return too_many(v);
  }
  if (!client_authorized(req, secret)) {
    if (secret) limits.record_soon(guesses, now_unix());
    Response r = http::json_error(401, "invalid_client",
                                  secret ? "Introspection needs the service credential"
                                         : "Introspection is not enabled (set INTROSPECTION_SECRET)");
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"latchkey\"");
    co_return r;
  }
  auto token = token_field(req);
  if (!token) co_return std::move(token.error());
  auto r = co_await api.pool.run([&] { return api.service.introspection().introspect(*token); });
  co_return reply(api.errors, r, [&](const auth::Introspection& i) {
    return json_response(200, introspection_json(i, api.service.options()));
  });
}

awaitable<Response> revoke(const ApiContext& api, const Request& req) {
  auto token = token_field(req);
  if (!token) co_return std::move(token.error());
  auto r = co_await api.pool.run([&] { return api.service.introspection().revoke(*token, client_of(req)); });
  co_return reply(api.errors, r, [] { return json_response(200, json::object{{"message", "Token revoked"}}); });
}

awaitable<Response> jwks(const ApiContext& api, const Request&) {
  Response r = json_response(200, api.service.tokens().keys()->jwks());
  r.cache_control = api.public_cache_control;
  co_return r;
}

awaitable<Response> health(const ApiContext&, const Request&) {
  co_return json_response(200, json::object{{"status", "ok"}});
}

}  // namespace latchkey::api
