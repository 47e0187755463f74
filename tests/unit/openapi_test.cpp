// docs/openapi.json (as built into the binary) against the router that
// add_routes really builds: every route documented with its method, every
// documented operation served, every $ref resolvable.
#include "api/openapi.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <set>
#include <string>

#include "api/ops.hpp"
#include "api/ops_routes.hpp"
#include "api/routes.hpp"
#include "auth/key_bootstrap.hpp"
#include "crypto/random.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

using namespace latchkey;
namespace json = boost::json;

namespace {

constexpr UnixSeconds kNow = 1'800'000'000;
const std::set<std::string> kMethods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
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
    service_ = std::make_unique<auth::Service>(*store_, std::move(keys), secret, auth::Options{},
                                               [] { return kNow; });
    api::add_routes(router_, *service_, pool_);
    ops_ = std::make_unique<api::Ops>(*service_, *store_, pool_, registry_);
    api::add_ops_routes(router_, *ops_, {.metrics = true, .healthz = false});
    doc_ = json::parse(api::openapi_text()).as_object();
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
  std::unique_ptr<auth::Service> service_;
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
  const auto served = router_.routes();
  ASSERT_GE(served.size(), 15u);
  const auto doc = documented();
  for (const auto& r : served) EXPECT_TRUE(doc.contains(r)) << r << " is served but not in docs/openapi.json";
}

TEST_F(OpenApiTest, EveryDocumentedOperationIsServed) {
  const auto served = router_.routes();
  for (const auto& d : documented()) {
    EXPECT_NE(std::find(served.begin(), served.end(), d), served.end())
        << d << " is in docs/openapi.json but not served";
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
        if (status.starts_with("2")) success = true;
      }
      EXPECT_TRUE(success) << where << " has no 2xx answer";
      // The answers every request can get, whatever its handler.
      for (const char* s : {"431", "500", "503"}) EXPECT_TRUE(responses.contains(s)) << where << " lacks " << s;
    }
  }
}

TEST_F(OpenApiTest, EveryReferenceResolves) { check_refs(doc_, doc_, ""); }
