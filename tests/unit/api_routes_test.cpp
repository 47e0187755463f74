// api::add_routes and api::add_admin_routes on a real http::Router with a
// real auth::Service: the route table's guards (bearer, per-IP limits), the
// body checks before any auth work, and the admin API on or off.
#include "api/routes.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "api/admin_routes.hpp"
#include "api_test_util.hpp"
#include "auth/admin.hpp"
#include "http_test_util.hpp"

namespace latchkey::api {
namespace {

using latchkey::testing::error_of;
using latchkey::testing::field_of;
using latchkey::testing::message_of;
using latchkey::testing::MultiHeaders;

// One request through the router, keeping what its views point into.
struct Call {
  MultiHeaders headers;
  std::string method, path, body, ip;
  http::Request req{headers};
  http::Response res;
};

std::unique_ptr<Call> call(const http::Router& router, std::string method, std::string path, std::string body = "",
                           MultiHeaders headers = {}, std::string ip = "10.0.0.1") {
  auto c = std::make_unique<Call>();
  c->headers = std::move(headers);
  c->method = std::move(method);
  c->path = std::move(path);
  c->body = std::move(body);
  c->ip = std::move(ip);
  c->req.method = c->method;
  // "/path?query": the router sees the path, the handler the query.
  const std::string_view target = c->path;
  c->req.path = target.substr(0, target.find('?'));
  if (target.find('?') != std::string_view::npos) c->req.query = target.substr(target.find('?') + 1);
  c->req.body = c->body;
  c->req.remote_ip = c->ip;
  c->res = latchkey::testing::run_dispatch(router, c->req);
  return c;
}

MultiHeaders bearer(const std::string& token) { return MultiHeaders{{"Authorization", "Bearer " + token}}; }

std::string credentials(const std::string& user, const std::string& password) {
  return R"({"username":")" + user + R"(","password":")" + password + R"("})";
}

class ApiRoutes : public ::testing::Test {
 protected:
  static auth::Options options() {
    auth::Options o = latchkey::testing::ServiceHarness::cheap_options();
    o.max_username_chars = 16;  // so that the messages show the service's own limit
    // Small abuse limits, to reach them: 3 failed logins, 3 sign-ups per IP.
    o.limits[abuse::index_of(abuse::Limit::login_ip)] = store::LimitPolicy{3, 600, 0, 0, false};
    o.limits[abuse::index_of(abuse::Limit::signup)] = store::LimitPolicy{3, 60, 0, 0, false};
    return o;
  }
  void SetUp() override {
    add_routes(router_, h_.service(), pool_, ApiOptions{});
  }

  // Signs up and logs in over HTTP; the access token.
  std::string access_token(const std::string& user, const std::string& ip = "10.0.0.1") {
    EXPECT_EQ(call(router_, "POST", "/signup", credentials(user, "password123"), {}, ip)->res.status, 201u);
    auto login = call(router_, "POST", "/login", credentials(user, "password123"), {}, ip);
    EXPECT_EQ(login->res.status, 200u) << login->res.body;
    const auto body = latchkey::testing::body_of(login->res);
    return body.contains("access_token") ? std::string(body.at("access_token").as_string()) : std::string();
  }

  latchkey::testing::ServiceHarness h_{options()};
  WorkerPool pool_{1, 4};
  http::Router router_;
};

TEST_F(ApiRoutes, ProtectedWithoutATokenIs401TokenMissing) {
  auto c = call(router_, "GET", "/protected");
  EXPECT_EQ(c->res.status, 401u);
  EXPECT_EQ(error_of(c->res), "token_missing");
  EXPECT_EQ(field_of(c->res, "WWW-Authenticate"), "Bearer realm=\"latchkey\"");
}

TEST_F(ApiRoutes, ProtectedWithATokenGreetsTheUser) {
  const std::string token = access_token("alice");
  ASSERT_FALSE(token.empty());
  auto c = call(router_, "GET", "/protected", "", bearer(token));
  EXPECT_EQ(c->res.status, 200u) << c->res.body;
  EXPECT_NE(message_of(c->res).find("Hello, alice"), std::string::npos) << c->res.body;
}

TEST_F(ApiRoutes, ProtectedWithAGarbageTokenIs401InvalidToken) {
  auto c = call(router_, "GET", "/protected", "", bearer("garbage"));
  EXPECT_EQ(c->res.status, 401u);
  EXPECT_EQ(error_of(c->res), "invalid_token");
}

// Every route the table marks `bearer` refuses a request without a token
// before its handler runs (so even a bad body gets 401, not 400).
TEST_F(ApiRoutes, EveryBearerRouteNeedsAToken) {
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/protected"},
           {"POST", "/logout"},
           {"GET", "/get_active_sessions"},
           {"POST", "/logout_all"},
           {"POST", "/logout_others"},
           {"POST", "/change_password"}}) {
    auto c = call(router_, method, path, "{not json");
    EXPECT_EQ(c->res.status, 401u) << method << " " << path;
    EXPECT_EQ(error_of(c->res), "token_missing") << method << " " << path;
  }
}

TEST_F(ApiRoutes, FailedLoginsBeyondTheLimitFromOneIpAre429) {
  for (int i = 0; i < 4; ++i) {  // the 4th is past the free ones: it locks the IP
    auto c = call(router_, "POST", "/login", credentials("nobody", "password123"));
    EXPECT_EQ(c->res.status, 401u) << c->res.body;
    EXPECT_EQ(error_of(c->res), "invalid_credentials");
  }
  auto limited = call(router_, "POST", "/login", credentials("nobody", "password123"));
  EXPECT_EQ(limited->res.status, 429u);
  EXPECT_EQ(error_of(limited->res), "rate_limited");
  EXPECT_FALSE(field_of(limited->res, "Retry-After").empty());
  EXPECT_EQ(h_.service().counters().login_rate_limited.load(), 1u);
  // Another IP still gets through to the handler.
  EXPECT_EQ(call(router_, "POST", "/login", credentials("nobody", "password123"), {}, "10.0.0.2")->res.status, 401u);
}

// Successes never spend the IP's failure budget: an office behind one
// address signs in as often as it likes.
TEST_F(ApiRoutes, SuccessfulLoginsDoNotCountAgainstTheIp) {
  ASSERT_FALSE(access_token("alice").empty());
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(call(router_, "POST", "/login", credentials("alice", "password123"))->res.status, 200u) << i;
  }
  for (int i = 0; i < 4; ++i) call(router_, "POST", "/login", credentials("alice", "wrong-password"));
  EXPECT_EQ(call(router_, "POST", "/login", credentials("alice", "password123"))->res.status, 429u);
}

TEST_F(ApiRoutes, SignupBeyondTheLimitFromOneIpIs429) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(call(router_, "POST", "/signup", credentials("user" + std::to_string(i), "password123"))->res.status,
              201u);
  }
  auto limited = call(router_, "POST", "/signup", credentials("user9", "password123"));
  EXPECT_EQ(limited->res.status, 429u);
  EXPECT_FALSE(field_of(limited->res, "Retry-After").empty());
  EXPECT_EQ(h_.service().counters().login_rate_limited.load(), 0u);  // signup refusals are not login's
}

TEST_F(ApiRoutes, SignupAndLoginLimitsAreSeparate) {
  for (int i = 0; i < 3; ++i) call(router_, "POST", "/signup", credentials("u" + std::to_string(i), "password123"));
  EXPECT_EQ(call(router_, "POST", "/signup", credentials("u9", "password123"))->res.status, 429u);
  EXPECT_EQ(call(router_, "POST", "/login", credentials("nobody", "password123"))->res.status, 401u);
}

TEST_F(ApiRoutes, SignupWithBadJsonIs400InvalidJson) {
  int n = 0;  // one client IP each: five bodies are more than the signup limit
  for (const std::string body : {"{", "not json", "[1,2]", "\"text\"", R"({"username":"a","username":"b"})"}) {
    auto c = call(router_, "POST", "/signup", body, {}, "10.0.1." + std::to_string(++n));
    EXPECT_EQ(c->res.status, 400u) << body;
    EXPECT_EQ(error_of(c->res), "invalid_json") << body;
  }
}

TEST_F(ApiRoutes, SignupWithANonStringUsernameIs400) {
  auto c = call(router_, "POST", "/signup", R"({"username":42,"password":"password123"})");
  EXPECT_EQ(c->res.status, 400u);
  EXPECT_EQ(error_of(c->res), "invalid_request");
  EXPECT_EQ(message_of(c->res), "Field 'username' must be a string");
  auto p = call(router_, "POST", "/signup", R"({"username":"bob","password":["x"]})");
  EXPECT_EQ(message_of(p->res), "Field 'password' must be a string");
}

TEST_F(ApiRoutes, SignupWithoutCredentialsIs400InvalidRequest) {
  auto c = call(router_, "POST", "/signup", "");
  EXPECT_EQ(c->res.status, 400u);
  EXPECT_EQ(error_of(c->res), "invalid_request");
  EXPECT_EQ(message_of(c->res), "Username and password are required");
}

TEST_F(ApiRoutes, SignupNamesTheServicesUsernameLimit) {
  auto c = call(router_, "POST", "/signup", credentials(std::string(17, 'u'), "password123"));
  EXPECT_EQ(c->res.status, 400u);
  EXPECT_EQ(error_of(c->res), "invalid_username");
  EXPECT_NE(message_of(c->res).find("1 to 16 characters"), std::string::npos) << c->res.body;
}

TEST_F(ApiRoutes, SignupTwiceIs409UserExists) {
  EXPECT_EQ(call(router_, "POST", "/signup", credentials("alice", "password123"))->res.status, 201u);
  auto c = call(router_, "POST", "/signup", credentials("alice", "password456"));
  EXPECT_EQ(c->res.status, 409u);
  EXPECT_EQ(error_of(c->res), "user_exists");
}

TEST_F(ApiRoutes, HealthzAndJwksNeedNoToken) {
  EXPECT_EQ(call(router_, "GET", "/healthz")->res.status, 200u);
  auto jwks = call(router_, "GET", "/.well-known/jwks.json");
  EXPECT_EQ(jwks->res.status, 200u);
  EXPECT_EQ(jwks->res.cache_control, "public, max-age=300");
  EXPECT_EQ(call(router_, "POST", "/healthz")->res.status, 405u);
}

// --- the admin API ---

constexpr std::string_view kAdminToken = "admin-token-for-the-api-routes-test-0123";

// The documented admin operations, with {name} and {id} placeholders.
const std::set<std::string> kAdminRoutes = {
    "GET /admin/users",
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
    "GET /admin/audit", "GET /admin/mail", "POST /admin/mail/{id}/retry",
    "GET /admin/keys",
    "POST /admin/keys/rotate",
    "GET /admin/locks",
    "GET /admin/users/{name}/locks",
    "DELETE /admin/users/{name}/locks",
    "DELETE /admin/ips/{ip}/locks",
    "GET /admin/users/{name}/factors",
    "DELETE /admin/users/{name}/factors",
};

// "METHOD /path" split, with placeholders filled in.
std::pair<std::string, std::string> request_line(const std::string& route) {
  std::string path = route.substr(route.find(' ') + 1);
  for (auto open = path.find('{'); open != std::string::npos; open = path.find('{')) {
    path.replace(open, path.find('}', open) - open + 1, "nobody");
  }
  return {route.substr(0, route.find(' ')), path};
}

class ApiAdminRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    auth::AdminOptions ao;
    ao.hashing = {1, 64 * 1024};
    admin_ = std::make_unique<auth::Admin>(h_.store(), ao, h_.audit(),
                                           [] { return latchkey::testing::ServiceHarness::kNow; });
  }
  void add(std::optional<std::string> token, unsigned failures_per_minute = 1000) {
    AdminApiOptions o;
    o.token = std::move(token);
    abuse::Policies p = abuse::default_policies();
    p[abuse::index_of(abuse::Limit::admin_token)] = store::LimitPolicy{failures_per_minute, 60, 0, 0, false};
    limits_ = std::make_unique<abuse::Limiter>(p, nullptr, false);
    o.limits = limits_.get();
    o.key_policy.alg = token::Alg::HS256;
    add_admin_routes(router_, *admin_, pool_, o);
  }

  latchkey::testing::ServiceHarness h_;
  std::unique_ptr<auth::Admin> admin_;
  std::unique_ptr<abuse::Limiter> limits_;
  WorkerPool pool_{1, 4};
  http::Router router_;
};

TEST_F(ApiAdminRoutes, WithoutATokenNoRouteExists) {
  add(std::nullopt);
  EXPECT_TRUE(admin_route_list(router_).empty());
  EXPECT_TRUE(router_.routes().empty());
  for (const std::string& route : kAdminRoutes) {
    const auto [method, path] = request_line(route);
    auto c = call(router_, method, path, "", bearer(std::string(kAdminToken)));
    EXPECT_EQ(c->res.status, 404u) << route;
    EXPECT_EQ(error_of(c->res), "not_found") << route;
  }
  EXPECT_EQ(call(router_, "GET", "/admin/")->res.status, 404u);
}

TEST_F(ApiAdminRoutes, WithATokenTheRoutesAreTheDocumented22) {
  add(std::string(kAdminToken));
  const std::vector<std::string> listed = admin_route_list(router_);
  EXPECT_EQ(listed.size(), 22u);
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), kAdminRoutes);
}

TEST_F(ApiAdminRoutes, EveryRouteAnswers401WithoutTheToken) {
  add(std::string(kAdminToken));
  for (const std::string& route : admin_route_list(router_)) {
    const auto [method, path] = request_line(route);
    auto c = call(router_, method, path);
    EXPECT_EQ(c->res.status, 401u) << route;
    EXPECT_EQ(error_of(c->res), "token_missing") << route;
    EXPECT_EQ(field_of(c->res, "WWW-Authenticate"), "Bearer realm=\"latchkey-admin\"") << route;
  }
}

TEST_F(ApiAdminRoutes, EveryRouteAnswers401WithAWrongToken) {
  add(std::string(kAdminToken));
  for (const std::string& route : admin_route_list(router_)) {
    const auto [method, path] = request_line(route);
    auto c = call(router_, method, path, "", bearer("wrong-token"));
    EXPECT_EQ(c->res.status, 401u) << route;
    EXPECT_EQ(error_of(c->res), "invalid_token") << route;
  }
}

TEST_F(ApiAdminRoutes, WithTheTokenTheHandlersRun) {
  add(std::string(kAdminToken));
  const MultiHeaders auth = bearer(std::string(kAdminToken));
  EXPECT_EQ(call(router_, "GET", "/admin/users", "", auth)->res.status, 200u);
  auto missing = call(router_, "GET", "/admin/users/nobody", "", auth);
  EXPECT_EQ(missing->res.status, 404u);
  EXPECT_EQ(error_of(missing->res), "user_not_found");
  auto added = call(router_, "POST", "/admin/users", credentials("carol", "password123"), auth);
  EXPECT_EQ(added->res.status, 201u) << added->res.body;
  EXPECT_EQ(call(router_, "GET", "/admin/users/carol", "", auth)->res.status, 200u);
}

TEST_F(ApiAdminRoutes, BadInputIs400WithTheToken) {
  add(std::string(kAdminToken));
  const MultiHeaders auth = bearer(std::string(kAdminToken));
  auto json = call(router_, "POST", "/admin/users", "{", auth);
  EXPECT_EQ(json->res.status, 400u);
  EXPECT_EQ(error_of(json->res), "invalid_json");
  auto c = call(router_, "POST", "/admin/users", R"({"username":1,"password":"password123"})", auth);
  EXPECT_EQ(message_of(c->res), "Field 'username' must be a string");
  auto limit = call(router_, "GET", "/admin/users?limit=0", "", auth);
  EXPECT_EQ(limit->res.status, 400u);
  EXPECT_EQ(error_of(limit->res), "invalid_request");
  EXPECT_EQ(call(router_, "GET", "/admin/users?colour=red", "", auth)->res.status, 400u);
  EXPECT_EQ(call(router_, "GET", "/admin/users?limit=2", "", auth)->res.status, 200u);
}

TEST_F(ApiAdminRoutes, BeyondTheFailureBudget429) {
  add(std::string(kAdminToken), 2);
  EXPECT_EQ(call(router_, "GET", "/admin/users", "", bearer("wrong"))->res.status, 401u);
  EXPECT_EQ(call(router_, "GET", "/admin/keys")->res.status, 401u);
  EXPECT_EQ(call(router_, "GET", "/admin/keys")->res.status, 401u);  // locks
  auto limited = call(router_, "DELETE", "/admin/users/bob", "", bearer("wrong"));
  EXPECT_EQ(limited->res.status, 429u);
  EXPECT_FALSE(field_of(limited->res, "Retry-After").empty());
}

}  // namespace
}  // namespace latchkey::api
