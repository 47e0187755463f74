#pragma once
// Shared by the api_*_test.cpp files: header fields that may repeat, a look
// at a response's fields and JSON body, and a real auth::Service on SQLite
// in a temp dir with cheap argon2 parameters.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/audit_log.hpp"
#include "auth/key_bootstrap.hpp"
#include "auth/service.hpp"
#include "crypto/random.hpp"
#include "http/message.hpp"
#include "http_test_util.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace latchkey::testing {

// Header fields that may repeat (tests/unit/http_test_util.hpp).
using MultiHeaders = MapHeaders;

// Every value of the response field `name`, in order.
inline std::vector<std::string> fields_of(const http::Response& r, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : r.headers) {
    if (k == name) out.push_back(v);
  }
  return out;
}

// The one value of field `name` ("" when absent; a test failure when repeated).
inline std::string field_of(const http::Response& r, std::string_view name) {
  const auto all = fields_of(r, name);
  EXPECT_LE(all.size(), 1u) << name << " is repeated";
  return all.empty() ? std::string() : all.front();
}

inline boost::json::object body_of(const http::Response& r) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  EXPECT_FALSE(ec) << "not JSON: " << r.body;
  if (ec || !v.is_object()) return {};
  return v.as_object();
}

// The "error" code of a JSON error answer ("" when there is none).
inline std::string error_of(const http::Response& r) {
  const auto o = body_of(r);
  auto it = o.find("error");
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

inline std::string message_of(const http::Response& r) {
  const auto o = body_of(r);
  auto it = o.find("message");
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

// A real auth::Service on SQLite in a temp dir, at a fixed time.
class ServiceHarness {
 public:
  static constexpr UnixSeconds kNow = 1'800'000'000;

  static auth::Options cheap_options() {
    auth::Options o;
    o.issuer = "http://test";
    o.password = {1, 64 * 1024};  // cheap hashing: these tests are about the HTTP face
    return o;
  }

  explicit ServiceHarness(auth::Options o = cheap_options()) {
    crypto::init();
    store_ = std::make_unique<store::sqlite::SqliteStore>(dir_.file("auth.db"));
    audit_ = std::make_unique<auth::AuditLog>(*store_);
    auth::KeyPolicy kp;
    kp.alg = token::Alg::HS256;  // cheap to generate
    auto keys = auth::load_signing_keys(*store_, kp, kNow).value();
    auto secret = auth::load_refresh_secret(*store_, kNow).value();
    service_ = std::make_unique<auth::Service>(*store_, std::move(keys), secret, std::move(o), [] { return kNow; },
                                               *audit_);
  }

  auth::Service& service() { return *service_; }
  store::Store& store() { return *store_; }
  auth::AuditLog& audit() { return *audit_; }

  // Signs `name` up (password "password123") and logs in.
  auth::TokenPair signup_and_login(const std::string& name) {
    EXPECT_TRUE(service_->accounts().signup(name, "password123").has_value());
    auto t = service_->logins().login(name, "password123", auth::Client{"ua", "10.0.0.1"});
    EXPECT_TRUE(t.has_value());
    return t.value_or(auth::TokenPair{});
  }

 private:
  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<auth::AuditLog> audit_;
  std::unique_ptr<auth::Service> service_;
};

}  // namespace latchkey::testing
