#include "api/routes.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "http/form.hpp"
#include "api/hash_then_store.hpp"
#include "api/json_io.hpp"
#include "api/openapi.hpp"
#include "http/rate_limiter.hpp"
#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"
#include "util/time.hpp"

namespace latchkey::api {

namespace json = boost::json;
using boost::asio::awaitable;
using http::Request;
using http::Response;
using auth::AuthError;

namespace {

struct ErrorInfo {
  unsigned status;
  std::string_view code;
  std::string_view message;
  std::string_view description;  // RFC 6750 error_description for token failures
};

ErrorInfo info(AuthError e) {
  switch (e) {
    case AuthError::credentials_required:
      return {400, "invalid_request", "Username and password are required", {}};
    case AuthError::username_invalid:
      return {400, "invalid_username",
              "Username must be 1 to 64 characters with no control characters", {}};
    case AuthError::password_too_short:
      return {400, "weak_password", "Password is too short", {}};
    case AuthError::password_too_long:
      return {400, "invalid_password", "Password must be at most 1024 bytes", {}};
    case AuthError::password_common:
      return {400, "weak_password", "Password is too common; choose another", {}};
    case AuthError::password_is_username:
      return {400, "weak_password", "Password must not be the username", {}};
    case AuthError::username_taken: return {409, "user_exists", "User already exists", {}};
    case AuthError::passwords_required:
      return {400, "invalid_request", "current_password and new_password are required", {}};
    case AuthError::invalid_credentials:
      return {401, "invalid_credentials", "Invalid credentials", {}};
    case AuthError::token_missing: return {401, "token_missing", "Token is missing", {}};
    case AuthError::token_invalid: return {401, "invalid_token", "Invalid token", "invalid token"};
    case AuthError::token_expired:
      return {401, "token_expired", "Token has expired", "token expired"};
    case AuthError::token_wrong_type:
      return {401, "invalid_token_type", "Invalid token type", "wrong token type"};
    case AuthError::session_ended:
      return {401, "token_revoked", "Token has been revoked", "session ended"};
    case AuthError::token_reused:
      return {401, "token_reused", "Refresh token was already used; the session has been ended",
              "refresh token reused"};
    case AuthError::token_mismatch: return {400, "token_mismatch", "Refresh token mismatch", {}};
    case AuthError::session_not_found: return {404, "session_not_found", "Session not found", {}};
    case AuthError::account_disabled: return {403, "account_disabled", "Account is disabled", {}};
    case AuthError::user_not_found: return {404, "user_not_found", "User not found", {}};
    case AuthError::unavailable:
      return {503, "unavailable", "Service temporarily unavailable, try again shortly", {}};
    case AuthError::internal: return {500, "internal_error", "Internal server error", {}};
  }
  return {500, "internal_error", "Internal server error", {}};
}

// Where a request came from, for sessions and the audit trail.
auth::Client client_of(const Request& req) { return auth::Client{req.header("User-Agent"), req.remote_ip}; }

Response message(unsigned status, std::string_view text) {
  return json_response(status, json::object{{"message", text}});
}

json::object session_json(const auth::SessionInfo& s) {
  return json::object{
      {"session_id", s.session.id},
      {"created_at", format_rfc3339(s.session.created_at)},
      {"last_used_at", format_rfc3339(s.session.last_used_at)},
      {"expires_at", format_rfc3339(s.expires_at)},
      {"device", s.device},
      {"user_agent", s.session.user_agent},
      {"ip", s.session.ip},
      {"current", s.current},
  };
}

// The `token` field of an RFC 7662 / RFC 7009 request: form-encoded as the
// RFCs say, or JSON for clients that only speak JSON.
tl::expected<std::string, Response> token_field(const Request& req) {
  std::string token;
  if (req.header("Content-Type").starts_with("application/json")) {
    auto body = parse_object(req.body);
    if (!body) return tl::unexpected(body_error(body.error()));
    auto t = string_field(*body, "token");
    if (!t) return tl::unexpected(wrong_type(t.error()));
    token = std::string(t->value_or(""));
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
  const std::string_view h = req.header("Authorization");
  std::string presented;
  if (h.size() > 6 && (h.substr(0, 6) == "Basic " || h.substr(0, 6) == "basic ")) {
    std::string b64(h.substr(6));
    for (char& c : b64) c = c == '+' ? '-' : c == '/' ? '_' : c;
    while (!b64.empty() && b64.back() == '=') b64.pop_back();
    auto decoded = crypto::base64url_decode(b64);
    if (!decoded) return false;
    const auto colon = decoded->find(':');
    if (colon == std::string::npos) return false;
    presented = decoded->substr(colon + 1);
  } else if (auto bearer = bearer_token(req)) {
    presented = std::string(*bearer);
  } else {
    return false;
  }
  return crypto::constant_time_equal(crypto::sha256(presented), crypto::sha256(*secret));
}

// 429 with Retry-After, when the client IP has used up its bucket.
std::optional<Response> rate_limited(http::RateLimiter& limit, const Request& req) {
  const long wait = limit.acquire(req.remote_ip);
  if (wait == 0) return std::nullopt;
  Response r = http::json_error(429, "rate_limited", "Too many requests; retry later");
  r.headers.emplace_back("Retry-After", std::to_string(wait));
  return r;
}

class Api {
 public:
  Api(auth::Service& service, WorkerPool& pool, ApiOptions options)
      : service_(service),
        pool_(pool),
        options_(std::move(options)),
        cache_control_("public, max-age=" + std::to_string(options_.jwks_max_age)),
        login_limit_(options_.login_per_minute, options_.login_per_minute),
        signup_limit_(options_.signup_per_minute, options_.signup_per_minute) {}

  awaitable<Response> signup(const Request& req) {
    if (auto limited = rate_limited(signup_limit_, req)) co_return std::move(*limited);
    auto body = parse_object(req.body);
    if (!body) co_return body_error(body.error());
    auto username = string_field(*body, "username");
    if (!username) co_return wrong_type(username.error());
    auto password = string_field(*body, "password");
    if (!password) co_return wrong_type(password.error());
    auto r = co_await hash_then_store(
        pool_,
        [&] { return service_.prepare_signup(username->value_or(""), password->value_or("")); },
        [&](auth::NewAccount a) { return service_.complete_signup(std::move(a), client_of(req)); });
    if (!r) co_return error_response(r.error());
    co_return message(201, "User created successfully");
  }

  awaitable<Response> login(const Request& req) {
    if (auto limited = rate_limited(login_limit_, req)) {
      service_.count_rate_limited_login();
      co_return std::move(*limited);
    }
    auto body = parse_object(req.body);
    if (!body) co_return body_error(body.error());
    auto username = string_field(*body, "username");
    if (!username) co_return wrong_type(username.error());
    auto password = string_field(*body, "password");
    if (!password) co_return wrong_type(password.error());
    const auth::Client client = client_of(req);
    // The password check (and any hash upgrade) first, then the session write.
    auto r = co_await hash_then_store(
        pool_,
        [&] { return service_.verify_login(username->value_or(""), password->value_or(""), client); },
        [&](auth::VerifiedLogin v) { return service_.complete_login(std::move(v), client); });
    if (!r) co_return error_response(r.error());
    const auth::TokenPair& t = *r;
    co_return json_response(200, json::object{
                                     {"message", "Login successful"},
                                     {"access_token", t.access_token},
                                     {"refresh_token", t.refresh_token},
                                     {"token_type", "Bearer"},
                                     {"expires_in", t.expires_in},
                                     {"session_id", t.session_id},
                                 });
  }

  awaitable<Response> protected_resource(const Request& req) {
    auto caller = authenticate(req);
    if (!caller) co_return error_response(caller.error());
    // The hottest answer: built straight into the connection's reused body
    // buffer, so no allocation once the connection has served one.
    constexpr std::string_view head = R"({"message":"Hello, )";
    constexpr std::string_view tail = R"(. You have successfully accessed the protected route."})";
    Response r;
    if (req.body_buffer) r.body = std::move(*req.body_buffer);
    r.body.reserve(head.size() + 6 * caller->username.size() + tail.size());
    r.body += head;
    append_json_escaped(r.body, caller->username);
    r.body += tail;
    co_return r;
  }

  awaitable<Response> logout(const Request& req) {
    auto caller = authenticate(req);
    if (!caller) co_return error_response(caller.error());
    auto body = parse_object(req.body);
    if (!body) co_return body_error(body.error());
    auto token = string_field(*body, "token");
    if (!token) co_return wrong_type(token.error());
    auto session_id = string_field(*body, "session_id");
    if (!session_id) co_return wrong_type(session_id.error());
    const auth::LogoutTarget target{*token, *session_id};
    auto r = co_await pool_.run([&] { return service_.logout(*caller, target, client_of(req)); });
    if (!r) co_return error_response(AuthError::unavailable);
    if (!*r) co_return error_response(r->error());
    co_return message(200, "Logout successful");
  }

  awaitable<Response> refresh(const Request& req) {
    // The seed sends the refresh token twice, as the Bearer and in the body;
    // either alone is enough, and if both are there they must agree.
    std::string_view token;
    auto bearer = bearer_token(req);
    if (bearer) {
      token = *bearer;
    } else if (bearer.error() != AuthError::token_missing) {
      co_return error_response(bearer.error());
    }
    auto body = parse_object(req.body);
    if (!body) co_return body_error(body.error());
    auto in_body = string_field(*body, "refresh_token");
    if (!in_body) co_return wrong_type(in_body.error());
    if (*in_body) {
      if (!token.empty() && token != **in_body) co_return error_response(AuthError::token_mismatch);
      token = **in_body;
    }
    // Digests before the database lane; the signing after the commit, while
    // the batch is flushed.
    auto request = service_.prepare_refresh(token);
    if (!request) co_return error_response(request.error());
    auto r = co_await pool_.run([&] { return service_.apply_refresh(*request, client_of(req)); },
                                [&](auth::Expected<auth::RefreshGrant> grant) -> auth::Expected<auth::TokenPair> {
                                  if (!grant) return tl::unexpected(grant.error());
                                  return service_.issue_refresh(std::move(*grant));
                                });
    if (!r) co_return error_response(AuthError::unavailable);
    if (!*r) co_return error_response(r->error());
    const auth::TokenPair& t = **r;
    co_return json_response(200, json::object{
                                     {"message", "Token refreshed"},
                                     {"new_access_token", t.access_token},
                                     {"refresh_token", t.refresh_token},
                                     {"token_type", "Bearer"},
                                     {"expires_in", t.expires_in},
                                 });
  }

  // POST /logout_all (keep_current = false) and /logout_others (true).
  awaitable<Response> logout_many(const Request& req, bool keep_current) {
    auto caller = authenticate(req);
    if (!caller) co_return error_response(caller.error());
    auto r = co_await pool_.run([&] { return service_.logout_all(*caller, keep_current, client_of(req)); });
    if (!r) co_return error_response(AuthError::unavailable);
    if (!*r) co_return error_response(r->error());
    co_return json_response(
        200, json::object{{"message", keep_current ? "Other sessions ended" : "All sessions ended"},
                          {"sessions_ended", **r}});
  }
  awaitable<Response> logout_all(const Request& req) { return logout_many(req, false); }
  awaitable<Response> logout_others(const Request& req) { return logout_many(req, true); }

  awaitable<Response> change_password(const Request& req) {
    auto caller = authenticate(req);
    if (!caller) co_return error_response(caller.error());
    auto body = parse_object(req.body);
    if (!body) co_return body_error(body.error());
    auto current = string_field(*body, "current_password");
    if (!current) co_return wrong_type(current.error());
    auto replacement = string_field(*body, "new_password");
    if (!replacement) co_return wrong_type(replacement.error());
    // Both hashes first, then the writes.
    const auth::Client client = client_of(req);
    auto r = co_await hash_then_store(
        pool_,
        [&] {
          return service_.verify_password_change(*caller, current->value_or(""), replacement->value_or(""),
                                                 client);
        },
        [&](auth::VerifiedPasswordChange c) { return service_.complete_password_change(std::move(c), client); });
    if (!r) co_return error_response(r.error());
    co_return json_response(200, json::object{{"message", "Password changed"}, {"sessions_ended", *r}});
  }

  awaitable<Response> active_sessions(const Request& req) {
    auto caller = authenticate(req);
    if (!caller) co_return error_response(caller.error());
    auto r = co_await pool_.run([&] { return service_.list_sessions(*caller); });
    if (!r) co_return error_response(AuthError::unavailable);
    if (!*r) co_return error_response(r->error());
    json::array sessions;
    for (const auto& s : **r) sessions.push_back(session_json(s));
    co_return json_response(200, json::object{{"active_sessions", std::move(sessions)}});
  }

  awaitable<Response> introspect(const Request& req) {
    if (!client_authorized(req, options_.introspection_secret)) {
      Response r = http::json_error(401, "invalid_client",
                                    options_.introspection_secret
                                        ? "Introspection needs the service credential"
                                        : "Introspection is not enabled (set INTROSPECTION_SECRET)");
      r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"latchkey\"");
      co_return r;
    }
    auto token = token_field(req);
    if (!token) co_return token.error();
    auto r = co_await pool_.run([&] { return service_.introspect(*token); });
    if (!r) co_return error_response(AuthError::unavailable);
    if (!*r) co_return error_response(r->error());
    const auth::Introspection& i = **r;
    if (!i.active) co_return json_response(200, json::object{{"active", false}});
    json::object out{{"active", true},          {"token_type", i.token_type},
                     {"sub", i.sub},            {"username", i.username},
                     {"sid", i.sid},            {"iss", service_.options().issuer},
                     {"iat", i.iat},            {"exp", i.exp}};
    if (i.token_type == "access_token") {
      out["aud"] = service_.options().audience;
      out["jti"] = i.jti;
    }
    co_return json_response(200, out);
  }

  awaitable<Response> revoke(const Request& req) {
    auto token = token_field(req);
    if (!token) co_return token.error();
    auto r = co_await pool_.run([&] { return service_.revoke_token(*token, client_of(req)); });
    if (!r) co_return error_response(AuthError::unavailable);
    if (!*r) co_return error_response(r->error());
    co_return message(200, "Token revoked");
  }

  awaitable<Response> jwks(const Request&) {
    Response r = json_response(200, service_.keys()->jwks());
    r.cache_control = cache_control_;
    co_return r;
  }

  awaitable<Response> discovery(const Request&) {
    const std::string& iss = service_.options().issuer;
    json::array algs;
    for (const auto& k : service_.keys()->keys()) {
      const auto name = token::alg_name(k.alg);
      if (std::find(algs.begin(), algs.end(), json::value(name)) == algs.end()) algs.emplace_back(name);
    }
    Response r = json_response(200, json::object{
        {"issuer", iss},
        {"jwks_uri", iss + "/.well-known/jwks.json"},
        {"token_endpoint", iss + "/refresh_token"},
        {"token_endpoint_auth_methods_supported", json::array{"none"}},
        {"introspection_endpoint", iss + "/introspect"},
        {"introspection_endpoint_auth_methods_supported", json::array{"client_secret_basic"}},
        {"revocation_endpoint", iss + "/revoke"},
        {"revocation_endpoint_auth_methods_supported", json::array{"none"}},
        {"id_token_signing_alg_values_supported", algs},
        {"subject_types_supported", json::array{"public"}},
        {"claims_supported", json::array{"iss", "sub", "aud", "exp", "iat", "jti", "sid",
                                         "preferred_username"}},
    });
    r.cache_control = cache_control_;
    co_return r;
  }

  awaitable<Response> health(const Request&) {
    co_return json_response(200, json::object{{"status", "ok"}});
  }

 private:
  auth::Expected<auth::Principal> authenticate(const Request& req) {
    auto token = bearer_token(req);
    if (!token) return tl::unexpected(token.error());
    return service_.authenticate(*token);
  }

  auth::Service& service_;
  WorkerPool& pool_;
  ApiOptions options_;
  std::string cache_control_;  // for the public, cacheable documents
  http::RateLimiter login_limit_;
  http::RateLimiter signup_limit_;
};


}  // namespace

Response error_response(AuthError e) {
  const ErrorInfo i = info(e);
  Response r = http::json_error(i.status, i.code, i.message);
  if (i.status == 401) {
    std::string challenge = "Bearer realm=\"latchkey\"";
    if (!i.description.empty()) {
      challenge += ", error=\"invalid_token\", error_description=\"";
      challenge += i.description;
      challenge += '"';
    }
    r.headers.emplace_back("WWW-Authenticate", std::move(challenge));
  }
  if (i.status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

auth::Expected<std::string_view> bearer_token(const Request& req) {
  if (req.repeated("Authorization")) return tl::unexpected(AuthError::token_invalid);
  const std::string_view h = req.header("Authorization");
  constexpr std::string_view kScheme = "bearer";
  if (h.size() <= kScheme.size() || h[kScheme.size()] != ' ') return tl::unexpected(AuthError::token_missing);
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = h[i] >= 'A' && h[i] <= 'Z' ? static_cast<char>(h[i] + 32) : h[i];
    if (c != kScheme[i]) return tl::unexpected(AuthError::token_missing);
  }
  std::string_view token = h.substr(kScheme.size() + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return tl::unexpected(AuthError::token_missing);
  if (token.find_first_of(" ,\t") != std::string_view::npos || token.size() > token::kMaxTokenLength)
    return tl::unexpected(AuthError::token_invalid);
  return token;
}

void add_routes(http::Router& router, auth::Service& service, WorkerPool& pool,
                ApiOptions options) {
  auto api = std::make_shared<Api>(service, pool, std::move(options));
  auto bind = [api](awaitable<Response> (Api::*fn)(const Request&)) {
    return [api, fn](const Request& req) { return ((*api).*fn)(req); };
  };
  router.add("POST", "/signup", bind(&Api::signup));
  router.add("POST", "/login", bind(&Api::login));
  router.add("GET", "/protected", bind(&Api::protected_resource));
  router.add("POST", "/logout", bind(&Api::logout));
  router.add("POST", "/refresh_token", bind(&Api::refresh));
  router.add("GET", "/get_active_sessions", bind(&Api::active_sessions));
  router.add("POST", "/logout_all", bind(&Api::logout_all));
  router.add("POST", "/logout_others", bind(&Api::logout_others));
  router.add("POST", "/change_password", bind(&Api::change_password));
  router.add("GET", "/.well-known/jwks.json", bind(&Api::jwks));
  router.add("GET", "/.well-known/openid-configuration", bind(&Api::discovery));
  router.add("POST", "/introspect", bind(&Api::introspect));
  router.add("POST", "/revoke", bind(&Api::revoke));
  router.add("GET", "/healthz", bind(&Api::health));
  add_openapi_route(router);
}

}  // namespace latchkey::api
