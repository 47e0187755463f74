// /admin/clients on a real http::Router over the fake store: the six routes,
// secrets shown once (never by show or list, nor their digests), the
// metadata's error codes, 404 for an unknown client, paging, and the audit
// trail (oidc::ClientAdmin) of every change.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <memory>
#include <set>
#include <string>

#include "api/admin_routes.hpp"
#include "api_test_util.hpp"
#include "auth/admin.hpp"
#include "fake_store.hpp"
#include "http_test_util.hpp"

namespace latchkey::api {
namespace {

namespace json = boost::json;
using latchkey::testing::body_of;
using latchkey::testing::error_of;
using latchkey::testing::MultiHeaders;

constexpr std::string_view kAdminToken = "admin-token-for-the-client-api-tests-012345";
constexpr std::string_view kWeb = R"({"client_name": "App", "redirect_uris": ["https://app.example.com/cb"]})";

struct Call {
  MultiHeaders headers{{"Authorization", "Bearer " + std::string(kAdminToken)}, {"User-Agent", "tests"}};
  std::string method, path, body;
  http::Request req{headers};
  http::Response res;
};

class AdminClients : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    AdminApiOptions o;
    o.token = std::string(kAdminToken);
    limits_ = std::make_unique<abuse::Limiter>(abuse::default_policies(), nullptr, false);
    o.limits = limits_.get();
    o.key_policy.alg = token::Alg::HS256;
    o.clients = &registry_;
    add_admin_routes(router_, admin_, pool_, o);
  }

  std::unique_ptr<Call> call(std::string method, std::string path, std::string body = "") {
    auto c = std::make_unique<Call>();
    c->method = std::move(method);
    c->path = std::move(path);
    c->body = std::move(body);
    c->req.method = c->method;
    const std::string_view target = c->path;
    c->req.path = target.substr(0, target.find('?'));
    if (target.find('?') != std::string_view::npos) c->req.query = target.substr(target.find('?') + 1);
    c->req.body = c->body;
    c->req.remote_ip = "10.0.0.2";
    c->res = latchkey::testing::run_dispatch(router_, c->req);
    return c;
  }

  json::object created(std::string_view metadata = kWeb) {
    auto c = call("POST", "/admin/clients", std::string(metadata));
    EXPECT_EQ(c->res.status, 201u) << c->res.body;
    return body_of(c->res);
  }

  static std::string text(const json::object& o, std::string_view name) {
    auto it = o.find(name);
    return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
  }

  std::vector<store::AuditEvent> events() { return store_.audit().list(store::AuditQuery{}).value(); }

  latchkey::testing::FakeStore store_;
  auth::AuditLog audit_{store_};
  auth::Admin admin_{store_, auth::AdminOptions{}, audit_, [] { return UnixSeconds{1'800'000'000}; }};
  oidc::ClientRegistry registry_{store_.clients(), [] { return UnixSeconds{1'800'000'000}; }};
  std::unique_ptr<abuse::Limiter> limits_;
  WorkerPool pool_{1, 4};
  http::Router router_;
};

TEST_F(AdminClients, TheSixRoutesAreAdminRoutes) {
  const auto listed = admin_route_list(router_);
  const std::set<std::string> all(listed.begin(), listed.end());
  for (const char* r : {"GET /admin/clients", "POST /admin/clients", "GET /admin/clients/{id}",
                        "PUT /admin/clients/{id}", "DELETE /admin/clients/{id}", "POST /admin/clients/{id}/secret"})
    EXPECT_TRUE(all.contains(r)) << r;
  EXPECT_EQ(listed.size(), 28u);
}

TEST_F(AdminClients, CreateShowsTheSecretsOnceAndShowNever) {
  const auto o = created(R"({"client_name": "App", "redirect_uris": ["https://a.example/cb"], "first_party": true})");
  const std::string id = text(o, "client_id");
  const std::string secret = text(o, "client_secret");
  EXPECT_GE(secret.size(), 43u);
  EXPECT_GE(text(o, "registration_access_token").size(), 43u);
  EXPECT_TRUE(o.at("first_party").as_bool());
  EXPECT_TRUE(o.at("has_secret").as_bool());
  EXPECT_EQ(text(o, "created_at"), "2027-01-15T08:00:00Z");
  const auto digest = store_.clients().find(id)->secret_digest;
  for (const auto& path : {"/admin/clients/" + id, std::string("/admin/clients")}) {
    auto c = call("GET", path);
    ASSERT_EQ(c->res.status, 200u) << c->res.body;
    EXPECT_EQ(c->res.body.find(secret), std::string::npos) << path;
    EXPECT_EQ(c->res.body.find(digest), std::string::npos) << path;
    EXPECT_EQ(c->res.body.find("client_secret\""), std::string::npos) << path;
    EXPECT_EQ(c->res.body.find("registration_access_token"), std::string::npos) << path;
  }
  EXPECT_EQ(text(body_of(call("GET", "/admin/clients/" + id)->res), "client_name"), "App");
  ASSERT_FALSE(events().empty());
  EXPECT_EQ(events().front().event, "client.created");
  EXPECT_EQ(events().front().actor, "admin-api");
  EXPECT_EQ(events().front().user_agent, "tests");
}

TEST_F(AdminClients, BadMetadataIs400WithTheSpecsCode) {
  for (const auto& [body, code] : std::vector<std::pair<std::string, std::string>>{
           {"{", "invalid_json"},
           {"[]", "invalid_json"},
           {R"({"a": 1, "a": 2})", "invalid_json"},
           {"", "invalid_redirect_uri"},
           {R"j({"redirect_uris": ["javascript:alert(1)"]})j", "invalid_redirect_uri"},
           {R"({"redirect_uris": ["https://a.example/cb#x"]})", "invalid_redirect_uri"},
           {R"({"redirect_uris": ["https://a.example/cb"], "scope": "ad\\\\min"})", "invalid_client_metadata"},
           {R"({"redirect_uris": ["https://a.example/cb"], "first_party": "yes"})", "invalid_client_metadata"}}) {
    SCOPED_TRACE(body);
    auto c = call("POST", "/admin/clients", body);
    EXPECT_EQ(c->res.status, 400u) << c->res.body;
    EXPECT_EQ(error_of(c->res), code) << c->res.body;
  }
  EXPECT_TRUE(events().empty());
}

TEST_F(AdminClients, UnknownClientsAre404) {
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/admin/clients/nobody"},
           {"PUT", "/admin/clients/nobody"},
           {"DELETE", "/admin/clients/nobody"},
           {"POST", "/admin/clients/nobody/secret"}}) {
    auto c = call(method, path, std::string(kWeb));
    EXPECT_EQ(c->res.status, 404u) << method << " " << path;
    EXPECT_EQ(error_of(c->res), "client_not_found");
  }
}

TEST_F(AdminClients, UpdateRotateDelete) {
  const auto o = created();
  const std::string id = text(o, "client_id"), secret = text(o, "client_secret");
  auto put = call("PUT", "/admin/clients/" + id,
                  R"({"client_name": "Renamed", "redirect_uris": ["https://b.example/cb"], "first_party": true})");
  ASSERT_EQ(put->res.status, 200u) << put->res.body;
  EXPECT_EQ(text(body_of(put->res), "client_name"), "Renamed");
  EXPECT_FALSE(body_of(put->res).contains("client_secret"));
  EXPECT_TRUE(registry_.find(id)->metadata.first_party);

  auto rotated = call("POST", "/admin/clients/" + id + "/secret");
  ASSERT_EQ(rotated->res.status, 200u) << rotated->res.body;
  const std::string fresh = text(body_of(rotated->res), "client_secret");
  EXPECT_GE(fresh.size(), 43u);
  EXPECT_NE(fresh, secret);
  EXPECT_FALSE(registry_.authenticate(id, secret));
  EXPECT_TRUE(registry_.authenticate(id, fresh));

  auto gone = call("DELETE", "/admin/clients/" + id);
  ASSERT_EQ(gone->res.status, 200u);
  EXPECT_EQ(text(body_of(gone->res), "message"), "Client deleted");
  EXPECT_EQ(call("GET", "/admin/clients/" + id)->res.status, 404u);

  std::vector<std::string> names;
  for (const auto& e : events()) names.push_back(e.event);
  EXPECT_EQ(names, (std::vector<std::string>{"client.deleted", "client.secret_rotated", "client.updated",
                                              "client.created"}));
}

TEST_F(AdminClients, APublicClientHasNoSecretToRotate) {
  const auto o = created(R"({"redirect_uris": ["http://127.0.0.1/cb"], "token_endpoint_auth_method": "none"})");
  EXPECT_FALSE(o.contains("client_secret"));
  auto c = call("POST", "/admin/clients/" + text(o, "client_id") + "/secret");
  EXPECT_EQ(c->res.status, 400u);
  EXPECT_EQ(error_of(c->res), "invalid_client_metadata");
}

TEST_F(AdminClients, ListPages) {
  for (int i = 0; i < 3; ++i) created();
  auto first = body_of(call("GET", "/admin/clients?limit=2")->res);
  ASSERT_EQ(first.at("clients").as_array().size(), 2u);
  const std::string next = text(first, "next");
  ASSERT_FALSE(next.empty());
  auto second = body_of(call("GET", "/admin/clients?limit=2&after=" + next)->res);
  EXPECT_EQ(second.at("clients").as_array().size(), 1u);
  EXPECT_TRUE(second.at("next").is_null());
  EXPECT_EQ(call("GET", "/admin/clients?user=x")->res.status, 400u);
  EXPECT_EQ(call("GET", "/admin/clients?limit=0")->res.status, 400u);
}

}  // namespace
}  // namespace latchkey::api
