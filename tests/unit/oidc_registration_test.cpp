// oidc::add_registration_routes on a real http::Router over the fake store:
// RFC 7591 registration with the admin token as initial access token (and
// its failure budget), RFC 7592 read, update and delete with the
// registration access token, each refusal with the RFCs' code, and the
// audit trail of every change.
#include "oidc/endpoints/registration.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <memory>
#include <string>

#include "api_test_util.hpp"
#include "fake_store.hpp"
#include "http_test_util.hpp"

namespace latchkey::oidc {
namespace {

namespace json = boost::json;
using latchkey::testing::body_of;
using latchkey::testing::error_of;
using latchkey::testing::field_of;
using latchkey::testing::MultiHeaders;

constexpr std::string_view kToken = "initial-access-token-for-the-unit-tests-0123";
constexpr std::string_view kWeb =
    R"({"client_name": "App", "redirect_uris": ["https://app.example.com/cb"], "grant_types": ["authorization_code"]})";

// One request through the router, keeping what its views point into.
struct Call {
  MultiHeaders headers;
  std::string method, path, body;
  http::Request req{headers};
  http::Response res;
};

// A JSON request's fields, with `Authorization: Bearer <token>` unless the token is empty.
MultiHeaders with(const std::string& token, std::string_view content_type = "application/json") {
  if (token.empty()) return MultiHeaders{{"Content-Type", std::string(content_type)}};
  return MultiHeaders{{"Content-Type", std::string(content_type)}, {"Authorization", "Bearer " + token}};
}

class RegistrationTest : public ::testing::Test {
 protected:
  void SetUp() override { crypto::init(); }

  void add(std::optional<std::string> token = std::string(kToken), std::size_t max_bytes = 32 * 1024) {
    abuse::Policies p = abuse::default_policies();
    p[abuse::index_of(abuse::Limit::admin_token)] = store::LimitPolicy{3, 60, 0, 0, false};
    limits_ = std::make_unique<abuse::Limiter>(p, nullptr, false);
    RegistrationOptions o;
    o.issuer = "https://id.example.com";
    o.initial_access_token = std::move(token);
    o.limits = limits_.get();
    o.max_metadata_bytes = max_bytes;
    add_registration_routes(router_, o, registry_, pool_, audit_);
  }

  std::unique_ptr<Call> call(std::string method, std::string path, std::string body = "", MultiHeaders headers = {}) {
    auto c = std::make_unique<Call>();
    c->headers = std::move(headers);
    c->method = std::move(method);
    c->path = std::move(path);
    c->body = std::move(body);
    c->req.method = c->method;
    c->req.path = c->path;
    c->req.body = c->body;
    c->req.remote_ip = "10.0.0.1";
    c->res = latchkey::testing::run_dispatch(router_, c->req);
    return c;
  }

  // Registers kWeb (or `metadata`); the answer's body.
  json::object registered(std::string_view metadata = kWeb) {
    auto c = call("POST", "/register", std::string(metadata), with(std::string(kToken)));
    EXPECT_EQ(c->res.status, 201u) << c->res.body;
    return body_of(c->res);
  }

  static std::string text(const json::object& o, std::string_view name) {
    auto it = o.find(name);
    return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
  }

  // The events of the trail, newest first.
  std::vector<store::AuditEvent> events() {
    store::AuditQuery q;
    q.limit = 100;
    return store_.audit().list(q).value();
  }

  latchkey::testing::FakeStore store_;
  auth::AuditLog audit_{store_};
  UnixSeconds now_ = 1'800'000'000;
  ClientRegistry registry_{store_.clients(), [this] { return now_; }};
  std::unique_ptr<abuse::Limiter> limits_;
  WorkerPool pool_{1, 4};
  http::Router router_;
};

void expect_invalid_token(const http::Response& r) {
  EXPECT_EQ(r.status, 401u) << r.body;
  EXPECT_EQ(error_of(r), "invalid_token");
  EXPECT_EQ(field_of(r, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");
  EXPECT_EQ(r.cache_control, "no-store");
}

void expect_refused(const http::Response& r, std::string_view code) {
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(error_of(r), code) << r.body;
  EXPECT_TRUE(body_of(r).contains("error_description")) << r.body;
  EXPECT_EQ(r.cache_control, "no-store");
}

TEST_F(RegistrationTest, RegistersWithTheInitialAccessToken) {
  add();
  auto c = call("POST", "/register", std::string(kWeb), with(std::string(kToken)));
  ASSERT_EQ(c->res.status, 201u) << c->res.body;
  EXPECT_EQ(c->res.cache_control, "no-store");
  const auto o = body_of(c->res);
  const std::string id = text(o, "client_id");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(o.at("client_id_issued_at").as_int64(), now_);
  EXPECT_GE(text(o, "client_secret").size(), 43u);
  EXPECT_EQ(o.at("client_secret_expires_at").as_int64(), 0);
  EXPECT_GE(text(o, "registration_access_token").size(), 43u);
  EXPECT_EQ(text(o, "registration_client_uri"), "https://id.example.com/register/" + id);
  EXPECT_EQ(field_of(c->res, "Location"), "https://id.example.com/register/" + id);
  EXPECT_EQ(text(o, "client_name"), "App");
  EXPECT_EQ(text(o, "token_endpoint_auth_method"), "client_secret_basic");
  // Kept as digests only.
  const auto row = store_.clients().find(id).value();
  EXPECT_EQ(row.secret_digest.find(text(o, "client_secret")), std::string::npos);
  EXPECT_TRUE(registry_.authenticate(id, text(o, "client_secret")));
  EXPECT_TRUE(registry_.by_registration_token(id, text(o, "registration_access_token")));
  const auto trail = events();
  ASSERT_EQ(trail.size(), 1u);
  EXPECT_EQ(trail[0].event, "client.created");
  EXPECT_EQ(trail[0].actor, "registration");
  EXPECT_EQ(trail[0].ip, "10.0.0.1");
  EXPECT_NE(trail[0].detail.find(id), std::string::npos);
  EXPECT_EQ(trail[0].detail.find(text(o, "client_secret")), std::string::npos);
}

TEST_F(RegistrationTest, APublicClientGetsNoSecret) {
  add();
  const auto o = registered(R"({"redirect_uris": ["com.example.app:/cb"], "token_endpoint_auth_method": "none"})");
  EXPECT_FALSE(o.contains("client_secret"));
  EXPECT_FALSE(o.contains("client_secret_expires_at"));
  EXPECT_FALSE(text(o, "registration_access_token").empty());
}

TEST_F(RegistrationTest, TheInitialAccessTokenMaySetFirstParty) {
  add();
  EXPECT_TRUE(registered(R"({"redirect_uris": ["https://a.example/cb"], "first_party": true})").at("first_party").as_bool());
}

TEST_F(RegistrationTest, NoOrAWrongInitialAccessTokenIs401AndCountsAgainstTheAdminLimit) {
  add();
  expect_invalid_token(call("POST", "/register", std::string(kWeb), with(""))->res);
  expect_invalid_token(call("POST", "/register", std::string(kWeb), with(std::string(kToken) + "x"))->res);
  expect_invalid_token(call("POST", "/register", std::string(kWeb), with("x"))->res);
  expect_invalid_token(call("POST", "/register", std::string(kWeb), with("Basic x"))->res);
  // 3 a minute here, and the 4th failure locked the IP: refused before any
  // comparison, the right token too.
  auto locked = call("POST", "/register", std::string(kWeb), with(std::string(kToken)));
  EXPECT_EQ(locked->res.status, 429u);
  EXPECT_EQ(error_of(locked->res), "rate_limited");
  EXPECT_TRUE(store_.clients().list("", 10).value().empty());
}

TEST_F(RegistrationTest, WithoutAnInitialAccessTokenRegistrationDoesNotExistButManagementDoes) {
  add(std::nullopt);
  auto c = call("POST", "/register", std::string(kWeb), with(std::string(kToken)));
  EXPECT_EQ(c->res.status, 404u);
  EXPECT_EQ(error_of(c->res), "not_found");
  expect_invalid_token(call("GET", "/register/nobody", "", with("token"))->res);
}

TEST_F(RegistrationTest, BadBodiesAreInvalidClientMetadata) {
  add(std::string(kToken), 1024);
  const std::string token(kToken);
  for (const std::string& body : {std::string("{"), std::string("[]"), std::string("\"x\""), std::string(""),
                                  std::string("  "), std::string(R"({"client_name": "a", "client_name": "b"})"),
                                  std::string(R"({"redirect_uris": "https://a.example/cb"})"),
                                  std::string(R"({"redirect_uris": ["https://a.example/cb"], "client_name": 7})"),
                                  std::string(R"({"redirect_uris": ["https://a.example/cb"], "grant_types": ["implicit"]})"),
                                  R"({"redirect_uris": ["https://a.example/cb"], "client_name": ")" +
                                      std::string(2000, 'a') + "\"}"}) {
    SCOPED_TRACE(body.substr(0, 80));
    expect_refused(call("POST", "/register", body, with(token))->res, "invalid_client_metadata");
  }
  expect_refused(call("POST", "/register", std::string(kWeb), with(token, "text/plain"))->res,
                 "invalid_client_metadata");
  EXPECT_EQ(call("POST", "/register", std::string(kWeb), with(token, "application/json; charset=utf-8"))->res.status,
            201u);
  EXPECT_EQ(call("POST", "/register", std::string(kWeb), with(token, "Application/JSON"))->res.status, 201u);
}

TEST_F(RegistrationTest, HostileRedirectUrisAreInvalidRedirectUri) {
  add();
  for (const char* uri : {"javascript:alert(1)", "http://evil.example/cb", "https://a.example/cb#frag",
                          "https://*.example.com/cb", "data:text/html,hi", "https://user@a.example/cb",
                          "http://127.0.0.1.evil.com/cb", "/relative"}) {
    SCOPED_TRACE(uri);
    const std::string body = R"({"redirect_uris": [")" + std::string(uri) + R"("]})";
    expect_refused(call("POST", "/register", body, with(std::string(kToken)))->res, "invalid_redirect_uri");
  }
  expect_refused(call("POST", "/register", R"({"client_name": "no uris"})", with(std::string(kToken)))->res,
                 "invalid_redirect_uri");
}

TEST_F(RegistrationTest, ReadWithTheRegistrationAccessToken) {
  add();
  const auto o = registered();
  const std::string id = text(o, "client_id"), token = text(o, "registration_access_token");
  auto c = call("GET", "/register/" + id, "", with(token));
  ASSERT_EQ(c->res.status, 200u) << c->res.body;
  const auto read = body_of(c->res);
  EXPECT_EQ(text(read, "client_id"), id);
  EXPECT_EQ(text(read, "registration_access_token"), token);
  EXPECT_EQ(text(read, "registration_client_uri"), text(o, "registration_client_uri"));
  EXPECT_FALSE(read.contains("client_secret"));  // shown once
  EXPECT_EQ(read.at("client_secret_expires_at").as_int64(), 0);
  EXPECT_EQ(c->res.cache_control, "no-store");
}

TEST_F(RegistrationTest, AWrongTokenAndAnUnknownClientAreTheSame401) {
  add();
  const auto a = registered(), b = registered();
  const std::string id = text(a, "client_id");
  for (const auto& method : {"GET", "PUT", "DELETE"}) {
    SCOPED_TRACE(method);
    const std::string body = R"({"client_id": ")" + id + R"(", "redirect_uris": ["https://a.example/cb"]})";
    auto wrong = call(method, "/register/" + id, body, with(text(a, "registration_access_token") + "x"));
    auto other = call(method, "/register/" + id, body, with(text(b, "registration_access_token")));
    auto unknown = call(method, "/register/nobody", body, with(text(a, "registration_access_token")));
    auto none = call(method, "/register/" + id, body, with(""));
    for (const auto* c : {wrong.get(), other.get(), unknown.get(), none.get()}) expect_invalid_token(c->res);
    EXPECT_EQ(wrong->res.body, unknown->res.body);
  }
  EXPECT_TRUE(registry_.find(id));  // nothing changed
  EXPECT_EQ(events().size(), 2u);
}

TEST_F(RegistrationTest, UpdateReplacesTheMetadata) {
  add();
  const auto o = registered();
  const std::string id = text(o, "client_id"), token = text(o, "registration_access_token");
  // What it read, changed, and sent back whole (first_party included, as it has it).
  auto read = body_of(call("GET", "/register/" + id, "", with(token))->res);
  read.erase("registration_access_token");
  read.erase("registration_client_uri");
  read.erase("client_secret_expires_at");
  read.erase("client_id_issued_at");
  read["client_name"] = "Renamed";
  read["redirect_uris"] = json::array{"https://b.example/cb"};
  read["client_secret"] = text(o, "client_secret");  // the current one may be sent
  auto c = call("PUT", "/register/" + id, json::serialize(read), with(token));
  ASSERT_EQ(c->res.status, 200u) << c->res.body;
  const auto changed = body_of(c->res);
  EXPECT_EQ(text(changed, "client_name"), "Renamed");
  EXPECT_FALSE(changed.contains("client_secret"));  // not issued again
  EXPECT_EQ(text(changed, "registration_access_token"), token);
  EXPECT_EQ(registry_.find(id)->metadata.redirect_uris, std::vector<std::string>{"https://b.example/cb"});
  EXPECT_TRUE(registry_.authenticate(id, text(o, "client_secret")));  // the secret is unchanged
  EXPECT_EQ(events().front().event, "client.updated");
  EXPECT_EQ(events().front().actor, "registration");
}

TEST_F(RegistrationTest, UpdateFollowsRfc7592Section22) {
  add();
  const auto o = registered(), other = registered();
  const std::string id = text(o, "client_id"), token = text(o, "registration_access_token");
  auto put = [&](const std::string& members) {
    return call("PUT", "/register/" + id, "{" + members + R"(, "redirect_uris": ["https://a.example/cb"]})",
                with(token));
  };
  const std::string own = R"("client_id": ")" + id + "\"";
  expect_refused(call("PUT", "/register/" + id, R"({"redirect_uris": ["https://a.example/cb"]})", with(token))->res,
                 "invalid_client_metadata");  // no client_id
  expect_refused(put(R"("client_id": ")" + text(other, "client_id") + "\"")->res, "invalid_client_metadata");
  expect_refused(put(R"("client_id": 7)")->res, "invalid_client_metadata");
  for (const char* issued : {"registration_access_token", "registration_client_uri", "client_secret_expires_at",
                             "client_id_issued_at"}) {
    SCOPED_TRACE(issued);
    expect_refused(put(own + ", \"" + issued + "\": \"x\"")->res, "invalid_client_metadata");
  }
  expect_refused(put(own + R"(, "client_secret": "chosen-by-the-client")")->res, "invalid_client_metadata");
  expect_refused(put(own + R"(, "client_secret": 7)")->res, "invalid_client_metadata");
  expect_refused(put(own + R"(, "first_party": true)")->res, "invalid_client_metadata");
  expect_refused(put(own + R"(, "redirect_uris2": 1, "grant_types": ["password"])")->res, "invalid_client_metadata");
  expect_refused(call("PUT", "/register/" + id, own, with(token))->res, "invalid_client_metadata");  // not JSON
  expect_refused(call("PUT", "/register/" + id, "{" + own + R"(, "redirect_uris": ["javascript:x"]})", with(token))->res,
                 "invalid_redirect_uri");
  EXPECT_EQ(put(own + R"(, "first_party": false)")->res.status, 200u);  // as it has it
  EXPECT_EQ(registry_.find(id)->metadata.client_name, "");  // replaced: the name left out is gone
}

TEST_F(RegistrationTest, UpdateKeepsAFirstPartyClientFirstParty) {
  add();
  const auto o = registered(R"({"redirect_uris": ["https://a.example/cb"], "first_party": true})");
  const std::string id = text(o, "client_id");
  auto c = call("PUT", "/register/" + id, R"({"client_id": ")" + id + R"(", "redirect_uris": ["https://a.example/cb"]})",
                with(text(o, "registration_access_token")));
  ASSERT_EQ(c->res.status, 200u) << c->res.body;
  EXPECT_TRUE(registry_.find(id)->metadata.first_party);
}

TEST_F(RegistrationTest, AClientMadeConfidentialGetsASecretOnce) {
  add();
  const auto o = registered(R"({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "none"})");
  const std::string id = text(o, "client_id");
  auto c = call("PUT", "/register/" + id, R"({"client_id": ")" + id + R"(", "redirect_uris": ["https://a.example/cb"]})",
                with(text(o, "registration_access_token")));
  ASSERT_EQ(c->res.status, 200u) << c->res.body;
  const std::string secret = text(body_of(c->res), "client_secret");
  EXPECT_GE(secret.size(), 43u);
  EXPECT_TRUE(registry_.authenticate(id, secret));
}

TEST_F(RegistrationTest, DeleteIs204AndTheTokenStopsWorking) {
  add();
  const auto o = registered();
  const std::string id = text(o, "client_id"), token = text(o, "registration_access_token");
  auto c = call("DELETE", "/register/" + id, "", with(token));
  EXPECT_EQ(c->res.status, 204u);
  EXPECT_TRUE(c->res.body.empty());
  EXPECT_EQ(c->res.cache_control, "no-store");
  expect_invalid_token(call("GET", "/register/" + id, "", with(token))->res);
  expect_invalid_token(call("DELETE", "/register/" + id, "", with(token))->res);
  EXPECT_FALSE(registry_.find(id));
  EXPECT_EQ(events().front().event, "client.deleted");
}

TEST_F(RegistrationTest, AnUnavailableDatabaseIs503) {
  add();
  const auto o = registered();
  store_.fail_next(store::StoreError::unavailable);
  auto c = call("GET", "/register/" + text(o, "client_id"), "", with(text(o, "registration_access_token")));
  EXPECT_EQ(c->res.status, 503u);
  EXPECT_EQ(error_of(c->res), "unavailable");
  EXPECT_EQ(field_of(c->res, "Retry-After"), "1");
  store_.fail_next(store::StoreError::unavailable);
  EXPECT_EQ(call("POST", "/register", std::string(kWeb), with(std::string(kToken)))->res.status, 503u);
}

}  // namespace
}  // namespace latchkey::oidc
