#include "api/admin_routes.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <memory>

#include "api/admin_json.hpp"
#include "http/form.hpp"
#include "api/hash_then_store.hpp"
#include "api/json_io.hpp"
#include "api/routes.hpp"
#include "crypto/digest.hpp"
#include "http/rate_limiter.hpp"
#include "util/utf8.hpp"

namespace latchkey::api {

namespace json = boost::json;
using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kPrefix = "/admin/";
constexpr std::size_t kDefaultLimit = 100;
constexpr std::size_t kMaxLimit = 1000;

Response message(unsigned status, std::string_view text, std::optional<std::size_t> ended = std::nullopt) {
  json::object o{{"message", text}};
  if (ended) o["sessions_ended"] = *ended;
  return json_response(status, o);
}

Response not_found() { return http::json_error(404, "not_found", "Not found"); }

Response bad_request(std::string_view text) { return http::json_error(400, "invalid_request", text); }

Response method_not_allowed(std::string allow) {
  Response r = http::json_error(405, "method_not_allowed", "Method not allowed");
  r.headers.emplace_back("Allow", std::move(allow));
  return r;
}

// Percent-decodes one path segment; nullopt when malformed or not UTF-8.
std::optional<std::string> decode_segment(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    unsigned v = 0;
    auto [end, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
    if (ec != std::errc{} || end != s.data() + i + 3) return std::nullopt;
    out += static_cast<char>(v);
    i += 2;
  }
  if (out.empty() || sanitize_utf8(out, out.size()) != out) return std::nullopt;
  return out;
}

// The path after /admin/, split on '/' and decoded; nullopt when malformed.
std::optional<std::vector<std::string>> segments(std::string_view path) {
  path.remove_prefix(kPrefix.size());
  std::vector<std::string> out;
  if (path.empty()) return out;
  while (true) {
    const auto slash = path.find('/');
    auto seg = decode_segment(path.substr(0, slash));
    if (!seg) return std::nullopt;
    out.push_back(std::move(*seg));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

struct Page {
  std::size_t limit = kDefaultLimit;
  std::string after;   // users: a username
  std::string user;    // audit: one user's events
  std::optional<std::pair<UnixSeconds, std::int64_t>> before;  // audit: "<at>.<seq>" from `next`
};

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
      const auto dot = v.find('.');
      UnixSeconds at = 0;
      std::int64_t seq = 0;
      const char* b = v.data();
      const char* e = v.data() + v.size();
      if (dot == std::string::npos) return tl::unexpected(bad_request("before must be a `next` value"));
      auto r1 = std::from_chars(b, b + dot, at);
      auto r2 = std::from_chars(b + dot + 1, e, seq);
      if (r1.ec != std::errc{} || r1.ptr != b + dot || r2.ec != std::errc{} || r2.ptr != e)
        return tl::unexpected(bad_request("before must be a `next` value"));
      p.before = std::pair{at, seq};
    } else {
      return tl::unexpected(bad_request("Unknown query parameter '" + k + "'"));
    }
  }
  return p;
}

class AdminApi {
 public:
  AdminApi(auth::Admin& admin, WorkerPool& pool, AdminApiOptions options)
      : admin_(admin),
        pool_(pool),
        options_(std::move(options)),
        failures_(options_.failed_auth_per_minute, options_.failed_auth_per_minute),
        token_digest_(options_.token ? crypto::sha256(*options_.token) : std::string()) {}

  awaitable<Response> handle(const Request& req) {
    if (!options_.token) co_return not_found();
    if (auto refused = authorize(req)) co_return std::move(*refused);
    auto path = segments(req.path);
    if (!path) co_return bad_request("The path is malformed");
    const auth::Actor actor{"admin-api", req.remote_ip, req.header("User-Agent")};
    const auto& seg = *path;
    const std::string_view m = req.method;
    if (seg.size() == 1 && seg[0] == "users") {
      if (m == "GET") co_return co_await list_users(req);
      if (m == "POST") co_return co_await add_user(req, actor);
      co_return method_not_allowed("GET, POST");
    }
    if (seg.size() >= 2 && seg[0] == "users") co_return co_await user_route(req, seg, actor);
    if (seg.size() == 1 && seg[0] == "audit") {
      if (m != "GET") co_return method_not_allowed("GET");
      co_return co_await audit(req, std::nullopt);
    }
    if (seg.size() == 1 && seg[0] == "keys") {
      if (m != "GET") co_return method_not_allowed("GET");
      co_return co_await list_keys();
    }
    if (seg.size() == 2 && seg[0] == "keys" && seg[1] == "rotate") {
      if (m != "POST") co_return method_not_allowed("POST");
      co_return co_await rotate_key(req, actor);
    }
    co_return not_found();
  }

 private:
  // /admin/users/{name}[/...]
  awaitable<Response> user_route(const Request& req, const std::vector<std::string>& seg, const auth::Actor& actor) {
    const std::string& name = seg[1];
    const std::string_view m = req.method;
    if (seg.size() == 2) {
      if (m == "GET") co_return co_await run([&] { return admin_.show_user(name); },
                                             [](const auto& u) { return json_response(200, user_json(u)); });
      if (m == "DELETE")
        co_return co_await run([&] { return admin_.delete_user(name, actor); },
                               [](std::size_t n) { return message(200, "User deleted", n); });
      co_return method_not_allowed("DELETE, GET");
    }
    const std::string& what = seg[2];
    if (seg.size() == 3 && (what == "disable" || what == "enable" || what == "password")) {
      if (m != "POST") co_return method_not_allowed("POST");
      if (what == "disable")
        co_return co_await run([&] { return admin_.disable_user(name, actor); },
                               [](std::size_t n) { return message(200, "User disabled", n); });
      if (what == "enable")
        co_return co_await run([&] { return admin_.enable_user(name, actor); },
                               [] { return message(200, "User enabled"); });
      auto body = parse_object(req.body);
      if (!body) co_return body_error(body.error());
      auto password = string_field(*body, "password");
      if (!password) co_return wrong_type(password.error());
      if (!*password || (*password)->empty()) co_return bad_request("password is required");
      const std::string pw(**password);
      co_return co_await hash_then_store(
          [&] { return admin_.prepare_password(name, pw); },
          [&](auth::Admin::NewPassword change) { return admin_.store_password(std::move(change), actor); },
          [](std::size_t n) { return message(200, "Password set", n); });
    }
    if (seg.size() == 3 && what == "sessions") {
      if (m == "GET")
        co_return co_await run([&] { return admin_.sessions(name); }, [](const auto& rows) {
          json::array out;
          for (const auto& s : rows) out.push_back(session_json(s));
          return json_response(200, json::object{{"sessions", std::move(out)}});
        });
      if (m == "DELETE")
        co_return co_await run([&] { return admin_.revoke_sessions(name, actor); },
                               [](std::size_t n) { return message(200, "Sessions ended", n); });
      co_return method_not_allowed("DELETE, GET");
    }
    if (seg.size() == 4 && what == "sessions") {
      if (m != "DELETE") co_return method_not_allowed("DELETE");
      const std::string& id = seg[3];
      co_return co_await run([&] { return admin_.revoke_session(name, id, actor); },
                             [] { return message(200, "Session ended"); });
    }
    if (seg.size() == 3 && what == "audit") {
      if (m != "GET") co_return method_not_allowed("GET");
      co_return co_await audit(req, name);
    }
    co_return not_found();
  }

  awaitable<Response> list_users(const Request& req) {
    auto page = page_of(req);
    if (!page) co_return page.error();
    if (!page->user.empty() || page->before) co_return bad_request("users take limit and after");
    co_return co_await run([&] { return admin_.list_users(page->after, page->limit); }, [&](const auto& rows) {
      json::array out;
      for (const auto& u : rows) out.push_back(user_json(u));
      json::object o{{"users", std::move(out)}};
      // The next page starts after the last name of a full one.
      o["next"] = rows.size() == page->limit ? json::value(rows.back().user.username) : json::value(nullptr);
      return json_response(200, o);
    });
  }

  // api::hash_then_store (argon2id, then the writes), and `ok` turns the
  // stored value into the answer.
  template <class Hash, class Store, class Ok>
  awaitable<Response> hash_then_store(Hash hash, Store store, Ok ok) {
    auto r = co_await api::hash_then_store(pool_, std::move(hash), std::move(store));
    if (!r) co_return error_response(r.error());
    co_return ok(*r);
  }

  awaitable<Response> add_user(const Request& req, const auth::Actor& actor) {
    auto body = parse_object(req.body);
    if (!body) co_return body_error(body.error());
    auto username = string_field(*body, "username");
    if (!username) co_return wrong_type(username.error());
    auto password = string_field(*body, "password");
    if (!password) co_return wrong_type(password.error());
    const std::string u(username->value_or("")), pw(password->value_or(""));
    co_return co_await hash_then_store(
        [&] { return admin_.prepare_user(u, pw); },
        [&](store::User user) { return admin_.store_user(std::move(user), actor); },
        [](const auto& user) { return json_response(201, user_json(user)); });
  }

  awaitable<Response> audit(const Request& req, std::optional<std::string> user) {
    auto page = page_of(req);
    if (!page) co_return page.error();
    if (!page->after.empty()) co_return bad_request("the audit trail takes limit, before and user");
    if (!user && !page->user.empty()) user = page->user;
    if (user && !page->user.empty() && *user != page->user) co_return bad_request("two different users named");
    std::optional<std::string_view> who;
    if (user) who = *user;
    co_return co_await run([&] { return admin_.audit(who, page->limit, page->before); }, [&](const auto& rows) {
      json::array out;
      for (const auto& e : rows) out.push_back(event_json(e));
      json::object o{{"events", std::move(out)}};
      o["next"] = rows.size() == page->limit
                      ? json::value(std::to_string(rows.back().at) + "." + std::to_string(rows.back().seq))
                      : json::value(nullptr);
      return json_response(200, o);
    });
  }

  awaitable<Response> list_keys() {
    const auth::KeyPolicy& policy = options_.key_policy;
    if (policy.secret) {
      co_return json_response(200, json::object{{"keys", json::array{json::object{
                                                            {"kid", token::kid_for_secret(*policy.secret)},
                                                            {"alg", "HS256"},
                                                            {"state", "signing"},
                                                            {"source", "SECRET_KEY"}}}}});
    }
    auto rows = co_await pool_.run([&] { return options_.store->list_keys(); });
    if (!rows) co_return error_response(auth::AuthError::unavailable);
    if (!*rows)
      co_return error_response((*rows).error() == store::StoreError::unavailable ? auth::AuthError::unavailable
                                                                                 : auth::AuthError::internal);
    const UnixSeconds now = now_unix();
    json::array out;
    for (const auto& k : **rows) {
      out.push_back(json::object{{"kid", k.kid},
                                 {"alg", k.alg},
                                 {"state", auth::key_state_name(auth::key_state(k, **rows, policy, now))},
                                 {"signs_from", format_rfc3339(k.not_before)},
                                 {"retired_at", time_or_null(k.retired_at)}});
    }
    co_return json_response(200, json::object{{"keys", std::move(out)}});
  }

  awaitable<Response> rotate_key(const Request& req, const auth::Actor& actor) {
    auto body = parse_object(req.body);
    if (!body) co_return body_error(body.error());
    bool at_once = false;
    if (auto it = body->find("now"); it != body->end() && !it->value().is_null()) {
      if (!it->value().is_bool()) co_return http::json_error(400, "invalid_request", "Field 'now' must be a boolean");
      at_once = it->value().get_bool();
    }
    if (options_.key_policy.secret)
      co_return http::json_error(409, "secret_key_set", "SECRET_KEY is set; rotate it by changing SECRET_KEY");
    const UnixSeconds delay = at_once ? 0 : options_.key_publish_delay;
    auto row = co_await pool_.run([&]() -> tl::expected<store::StoredKey, std::string> {
      auto r = auth::rotate_signing_key(*options_.store, options_.key_policy.alg, now_unix(), delay);
      if (r) {
        admin_.key_rotated(*r, actor);
        if (options_.reload_keys) options_.reload_keys();
      }
      return r;
    });
    if (!row || !*row) co_return error_response(auth::AuthError::unavailable);
    const store::StoredKey& k = **row;
    co_return json_response(200, json::object{{"message", "Key rotated"},
                                              {"kid", k.kid},
                                              {"alg", k.alg},
                                              {"signs_from", format_rfc3339(k.not_before)}});
  }

  // Runs `work` (blocking, returning auth::Expected<T>) on the database lane;
  // `ok` turns its value into the answer.
  template <class Work, class Ok>
  awaitable<Response> run(Work work, Ok ok) {
    auto r = co_await pool_.run(std::move(work));
    if (!r) co_return error_response(auth::AuthError::unavailable);
    if (!*r) co_return error_response(r->error());
    if constexpr (std::is_void_v<typename std::decay_t<decltype(*r)>::value_type>) {
      co_return ok();
    } else {
      co_return ok(**r);
    }
  }

  // nullopt when the bearer is the admin token.
  std::optional<Response> authorize(const Request& req) {
    auto presented = bearer_token(req);
    if (presented && crypto::constant_time_equal(crypto::sha256(*presented), token_digest_)) return std::nullopt;
    if (const long wait = failures_.acquire(req.remote_ip); wait > 0) {
      Response r = http::json_error(429, "rate_limited", "Too many failed admin authentications; retry later");
      r.headers.emplace_back("Retry-After", std::to_string(wait));
      return r;
    }
    const bool missing = !presented && presented.error() == auth::AuthError::token_missing;
    Response r = missing ? http::json_error(401, "token_missing", "Admin token is missing")
                         : http::json_error(401, "invalid_token", "Invalid admin token");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"latchkey-admin\"");
    return r;
  }

  auth::Admin& admin_;
  WorkerPool& pool_;
  AdminApiOptions options_;
  http::RateLimiter failures_;
  std::string token_digest_;
};

}  // namespace

void add_admin_routes(http::Router& router, auth::Admin& admin, WorkerPool& pool, AdminApiOptions options) {
  auto api = std::make_shared<AdminApi>(admin, pool, std::move(options));
  router.add_prefix(kPrefix, [api](const Request& req) { return api->handle(req); });
}

std::vector<std::string> admin_route_list() {
  return {"GET /admin/users",
          "POST /admin/users",
          "GET /admin/users/{name}",
          "DELETE /admin/users/{name}",
          "POST /admin/users/{name}/disable",
          "POST /admin/users/{name}/enable",
          "POST /admin/users/{name}/password",
          "GET /admin/users/{name}/sessions",
          "DELETE /admin/users/{name}/sessions",
          "DELETE /admin/users/{name}/sessions/{id}",
          "GET /admin/users/{name}/audit",
          "GET /admin/audit",
          "GET /admin/keys",
          "POST /admin/keys/rotate"};
}

}  // namespace latchkey::api
