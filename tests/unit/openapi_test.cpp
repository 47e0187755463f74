// docs/openapi.json (as built into the binary) against the router that
// add_routes, add_oidc_routes, add_admin_routes and add_registration_routes really build: every route documented with
// its method, every documented operation served, every $ref resolvable. The
// admin API's operations are the router's routes that need the admin token
// (api::admin_route_list(router_)), checked against what the router answers.
#include "api/openapi.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "api/ops.hpp"
#include "api/ops_routes.hpp"
#include "account/routes.hpp"
#include "api/admin_routes.hpp"
#include "api/routes.hpp"
#include "auth/admin.hpp"
#include "auth/audit_log.hpp"
#include "auth/key_bootstrap.hpp"
#include "crypto/random.hpp"
#include "oidc/client_registry.hpp"
#include "oidc/browser_sessions.hpp"
#include "oidc/consents.hpp"
#include "oidc/endpoints/registration.hpp"
#include "oidc/provider.hpp"
#include "oidc/routes.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

using namespace latchkey;
namespace json = boost::json;

namespace {

constexpr UnixSeconds kNow = 1'800'000'000;
constexpr std::string_view kAdminToken = "admin-token-for-the-openapi-test-0123456789";
const std::set<std::string> kMethods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class FixedHeaders : public http::Headers {
 public:
  explicit FixedHeaders(std::map<std::string, std::string> h) : h_(std::move(h)) {}
  std::string_view get(std::string_view name) const override {
    auto it = h_.find(lower(std::string(name)));
    return it == h_.end() ? std::string_view() : std::string_view(it->second);
  }
  std::size_t count(std::string_view name) const override { return h_.contains(lower(std::string(name))) ? 1 : 0; }

 private:
  std::map<std::string, std::string> h_;  // lower-case names
};

// "/admin/users/{name}/sessions/{id}" with every {placeholder} filled in.
std::string fill_placeholders(std::string path) {
  for (auto open = path.find('{'); open != std::string::npos; open = path.find('{')) {
    path.replace(open, path.find('}', open) - open + 1, "nobody");
  }
  return path;
}

class OpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    store_ = std::make_unique<store::sqlite::SqliteStore>(dir_.file("auth.db"));
    auth::KeyPolicy kp;
    kp.alg = token::Alg::HS256;
    auto keys = auth::load_signing_keys(*store_, kp, kNow).value();
    auto secret = auth::load_refresh_secret(*store_, kNow).value();
    audit_ = std::make_unique<auth::AuditLog>(*store_);
    service_ = std::make_unique<auth::Service>(*store_, std::move(keys), secret, auth::Options{},
                                               [] { return kNow; }, *audit_);
    api::add_routes(router_, *service_, pool_);
    ops_ = std::make_unique<api::Ops>(*service_, *store_, pool_, registry_);
    api::add_ops_routes(router_, *ops_, {.metrics = true, .healthz = false});
    admin_ = std::make_unique<auth::Admin>(*store_, auth::AdminOptions{}, *audit_, [] { return kNow; });
    api::AdminApiOptions admin_options;
    admin_options.token = std::string(kAdminToken);
    admin_options.key_policy = kp;
    admin_options.limits = &service_->limits();
    clients_ = std::make_unique<oidc::ClientRegistry>(store_->clients(), [] { return kNow; });
    admin_options.clients = clients_.get();
    consents_ = std::make_unique<oidc::Consents>(*service_, *clients_);
    admin_options.consents = consents_.get();
    api::add_admin_routes(router_, *admin_, pool_, admin_options);
    oidc::RegistrationOptions registration;
    registration.issuer = "http://test";
    registration.initial_access_token = std::string(kAdminToken);
    registration.limits = &service_->limits();
    oidc::add_registration_routes(router_, registration, *clients_, pool_, *audit_);
    // The OpenID Connect provider, assembled as app/serve.cpp assembles it.
    pages_ = std::make_unique<web::Templates>(web::Templates::load(std::nullopt).value());
    csrf_ = std::make_unique<web::Csrf>(std::string(32, 'k'));
    browsers_ = std::make_unique<oidc::BrowserSessions>(*service_);
    mfa_ = std::make_unique<mfa::SecondFactors>(*service_, mfa::Options{});
    email_ = std::make_unique<email::Flows>(*service_, mfa_->sign_in_step(), email::Options{});
    oidc::ProviderOptions provider_options;
    provider_options.issuer = "http://test";
    auto provider = std::make_shared<const oidc::Provider>(oidc::Provider{
        *service_, pool_, *clients_, *browsers_, *consents_, *pages_, *csrf_, provider_options,
        oidc::Endpoints(provider_options.issuer), *mfa_, *email_});
    oidc::add_oidc_routes(router_, provider);
    account::add_account_routes(router_, provider);
    doc_ = json::parse(api::openapi_text()).as_object();
  }

  // "METHOD /path" of every operation served: exact routes and the admin API's.
  std::set<std::string> served() const {
    std::set<std::string> out;
    for (const auto& r : router_.routes()) out.insert(r);
    for (const auto& r : api::admin_route_list(router_)) out.insert(r);
    return out;
  }

  // The router's answer to `method path`, with the admin token.
  http::Response answer(const std::string& method, const std::string& path) {
    FixedHeaders headers({{"authorization", "Bearer " + std::string(kAdminToken)}});
    http::Request req(headers);
    req.method = method;
    req.path = path;
    req.remote_ip = "127.0.0.1";
    boost::asio::io_context io;
    std::optional<http::Response> out;
    boost::asio::co_spawn(io, router_.dispatch(req), [&](std::exception_ptr e, http::Response r) {
      if (e) std::rethrow_exception(e);
      out = std::move(r);
    });
    io.run();
    return std::move(out).value();
  }

  // "METHOD /path" of every documented operation.
  std::set<std::string> documented() const {
    std::set<std::string> out;
    for (const auto& [path, item] : doc_.at("paths").as_object()) {
      for (const auto& [method, op] : item.as_object()) {
        if (kMethods.contains(std::string(method))) {
          std::string m(method);
          for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          out.insert(m + " " + std::string(path));
        }
      }
    }
    return out;
  }

  latchkey::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<auth::AuditLog> audit_;
  std::unique_ptr<auth::Service> service_;
  std::unique_ptr<auth::Admin> admin_;
  std::unique_ptr<oidc::ClientRegistry> clients_;
  std::unique_ptr<web::Templates> pages_;
  std::unique_ptr<web::Csrf> csrf_;
  std::unique_ptr<oidc::BrowserSessions> browsers_;
  std::unique_ptr<oidc::Consents> consents_;
  std::unique_ptr<mfa::SecondFactors> mfa_;
  std::unique_ptr<email::Flows> email_;
  WorkerPool pool_{1, 4};
  metrics::Registry registry_;
  std::unique_ptr<api::Ops> ops_;
  http::Router router_;
  json::object doc_;
};

// Every $ref in `v` names something that exists in the document.
void check_refs(const json::value& v, const json::object& doc, const std::string& where) {
  if (v.is_array()) {
    for (const auto& e : v.as_array()) check_refs(e, doc, where);
    return;
  }
  if (!v.is_object()) return;
  for (const auto& [k, e] : v.as_object()) {
    if (k == "$ref") {
      ASSERT_TRUE(e.is_string()) << where;
      const std::string ref(e.as_string());
      ASSERT_TRUE(ref.starts_with("#/")) << where << ": " << ref;
      boost::system::error_code ec;
      const json::value* target = json::value(doc).find_pointer(ref.substr(1), ec);
      EXPECT_TRUE(target != nullptr && !ec) << where << ": dangling " << ref;
    } else {
      check_refs(e, doc, where + "/" + std::string(k));
    }
  }
}

}  // namespace

TEST_F(OpenApiTest, IsOpenApi31) {
  EXPECT_EQ(doc_.at("openapi").as_string(), "3.1.0");
  EXPECT_EQ(doc_.at("info").at("version").as_string(), LATCHKEY_PROJECT_VERSION)
      << "docs/openapi.json's info.version is not the project version in CMakeLists.txt";
  EXPECT_FALSE(doc_.at("info").at("title").as_string().empty());
  EXPECT_TRUE(doc_.at("components").at("schemas").as_object().contains("Error"));
}

TEST_F(OpenApiTest, EveryRouteIsDocumented) {
  ASSERT_GE(router_.routes().size(), 15u);
  const auto doc = documented();
  for (const auto& r : served()) EXPECT_TRUE(doc.contains(r)) << r << " is served but not in docs/openapi.json";
}

TEST_F(OpenApiTest, EveryDocumentedOperationIsServed) {
  const auto ops = served();
  for (const auto& d : documented()) EXPECT_TRUE(ops.contains(d)) << d << " is in docs/openapi.json but not served";
}

TEST_F(OpenApiTest, EveryAdminRouteIsDocumentedAndEveryDocumentedAdminPathServed) {
  const auto admin = api::admin_route_list(router_);
  ASSERT_FALSE(admin.empty());
  const auto doc = documented();
  std::set<std::string> documented_admin;
  for (const auto& d : doc) {
    if (d.substr(d.find(' ') + 1).starts_with("/admin/")) documented_admin.insert(d);
  }
  EXPECT_EQ(documented_admin, std::set<std::string>(admin.begin(), admin.end()));
  for (const auto& r : admin) {
    const std::string path = r.substr(r.find(' ') + 1);
    ASSERT_TRUE(doc_.at("paths").as_object().contains(path)) << path;
    const auto& op = doc_.at("paths").at(path).at(lower(r.substr(0, r.find(' ')))).as_object();
    EXPECT_EQ(json::serialize(op.at("security")), R"([{"adminToken":[]}])") << r;
    EXPECT_TRUE(op.at("responses").as_object().contains("401")) << r;
  }
}

// admin_route_list() is what the admin API answers: each listed route is
// handled (not 404 not_found, not 405), and another method on its path is 405.
TEST_F(OpenApiTest, AdminRouteListIsWhatTheRouterAnswers) {
  std::map<std::string, std::set<std::string>> methods;  // filled-in path -> listed methods
  for (const auto& r : api::admin_route_list(router_)) {
    const std::string method = r.substr(0, r.find(' '));
    const std::string path = fill_placeholders(r.substr(r.find(' ') + 1));
    methods[path].insert(method);
    const http::Response res = answer(method, path);
    const auto body = json::parse(res.body).as_object();
    EXPECT_NE(res.status, 405u) << r << ": " << res.body;
    EXPECT_FALSE(res.status == 404 && body.at("error") == "not_found") << r << ": " << res.body;
  }
  for (const auto& [path, listed] : methods) {
    for (const char* m : {"GET", "POST", "DELETE", "PUT", "PATCH"}) {
      if (listed.contains(m)) continue;
      EXPECT_EQ(answer(m, path).status, 405u) << m << " " << path << " is answered but not in admin_route_list()";
    }
  }
}

TEST_F(OpenApiTest, EveryOperationDescribesItsAnswers) {
  for (const auto& [path, item] : doc_.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      if (!kMethods.contains(std::string(method))) continue;
      const std::string where = lower(std::string(method)) + " " + std::string(path);
      const auto& o = op.as_object();
      EXPECT_TRUE(o.contains("operationId")) << where;
      const auto& responses = o.at("responses").as_object();
      bool success = false;
      for (const auto& [status, _] : responses) {
        EXPECT_EQ(status.size(), 3u) << where << ": status " << status << " (no 'default': every status is named)";
        // A page's form post succeeds with 303 See Other (post, redirect, get).
        if (status.starts_with("2") || status == "303") success = true;
      }
      EXPECT_TRUE(success) << where << " has no 2xx (or, for a form post, 303) answer";
      // The answers every request can get, whatever its handler.
      for (const char* s : {"431", "500", "503"}) EXPECT_TRUE(responses.contains(s)) << where << " lacks " << s;
    }
  }
}

TEST_F(OpenApiTest, EveryReferenceResolves) { check_refs(doc_, doc_, ""); }
