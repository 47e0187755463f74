// Administration (auth::Admin) and the audit trail (auth::AuditLog) with the
// real service on a real SQLite store.
#include "auth/admin.hpp"
#include "auth/service.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "auth/key_bootstrap.hpp"
#include "crypto/random.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

using namespace latchkey;
using namespace latchkey::auth;

namespace {

constexpr UnixSeconds kStart = 1'800'000'000;
constexpr const char* kPassword = "password123";

class AdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    store_ = std::make_unique<store::sqlite::SqliteStore>(dir_.file("auth.db"));
    Options o;
    o.issuer = "http://test";
    o.password = {1, 64 * 1024};  // cheap hashing: these tests are about the flows
    KeyPolicy kp;
    kp.alg = token::Alg::HS256;
    auto keys = load_signing_keys(*store_, kp, now_).value();
    auto secret = load_refresh_secret(*store_, now_).value();
    auto clock = [this] { return now_; };
    audit_ = std::make_unique<AuditLog>(*store_);
    service_ = std::make_unique<Service>(*store_, std::move(keys), secret, o, clock, *audit_);
    AdminOptions ao;
    ao.hashing = o.password;
    admin_ = std::make_unique<Admin>(*store_, ao, *audit_, clock,
                                     [this](const std::vector<std::string>& ids, UnixSeconds at) {
                                       for (const auto& id : ids) service_->note_revoked({id, at});
                                     });
  }

  TokenPair login(const std::string& name, const std::string& pw = kPassword) {
    auto t = service_->logins().login(name, pw, Client{"test-agent", "10.0.0.1"});
    EXPECT_TRUE(t.has_value()) << name;
    return t.value_or(TokenPair{});
  }

  // The events recorded for `name`, oldest first, after a flush.
  std::vector<std::string> events(const std::string& name) {
    audit_->flush();
    auto rows = admin_->audit(name, 100).value();
    std::vector<std::string> out;
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) out.push_back(it->actor + ":" + it->event);
    return out;
  }

  latchkey::testing::TempDir dir_;
  UnixSeconds now_ = kStart;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<Admin> admin_;
  const Actor cli_{"cli"};
};

TEST_F(AdminTest, AddUserAppliesTheSignupRules) {
  EXPECT_EQ(admin_->add_user("alice", "password", cli_).error(), AuthError::password_common);
  EXPECT_EQ(admin_->add_user("alice", "short", cli_).error(), AuthError::password_too_short);
  EXPECT_EQ(admin_->add_user("alice", "alice", cli_).error(), AuthError::password_too_short);
  EXPECT_EQ(admin_->add_user("a\x01", kPassword, cli_).error(), AuthError::username_invalid);
  EXPECT_EQ(admin_->add_user("", kPassword, cli_).error(), AuthError::credentials_required);
  auto u = admin_->add_user("  Alice ", kPassword, cli_);
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->user.username, "Alice");
  EXPECT_EQ(admin_->add_user("ALICE", kPassword, cli_).error(), AuthError::username_taken);
  login("alice");
  EXPECT_EQ(admin_->show_user("alice")->live_sessions, 1);
  EXPECT_EQ(admin_->show_user("nobody").error(), AuthError::user_not_found);
}

TEST_F(AdminTest, DisableEndsEverySessionAndLoginSaysSoOnlyAfterTheRightPassword) {
  ASSERT_TRUE(service_->accounts().signup("bob", kPassword));
  auto a = login("bob");
  auto b = login("bob");
  EXPECT_EQ(admin_->disable_user("bob", cli_).value(), 2u);
  EXPECT_EQ(service_->authenticator().authenticate(a.access_token).error(), AuthError::session_ended);
  EXPECT_EQ(service_->authenticator().authenticate(b.access_token).error(), AuthError::session_ended);
  EXPECT_EQ(service_->sessions().refresh(a.refresh_token).error(), AuthError::session_ended);
  EXPECT_EQ(service_->logins().login("bob", kPassword, {}).error(), AuthError::account_disabled);
  EXPECT_EQ(service_->logins().login("bob", "wrong password", {}).error(), AuthError::invalid_credentials);
  EXPECT_TRUE(admin_->show_user("bob")->user.disabled_at.has_value());

  ASSERT_TRUE(admin_->enable_user("bob", cli_));
  auto c = login("bob");
  EXPECT_TRUE(service_->authenticator().authenticate(c.access_token).has_value());
  EXPECT_EQ(admin_->disable_user("nobody", cli_).error(), AuthError::user_not_found);
  EXPECT_EQ(admin_->enable_user("nobody", cli_).error(), AuthError::user_not_found);
}

TEST_F(AdminTest, SetPasswordEndsEverySession) {
  ASSERT_TRUE(service_->accounts().signup("carol", kPassword));
  auto t = login("carol");
  EXPECT_EQ(admin_->set_password("carol", "password", cli_).error(), AuthError::password_common);
  EXPECT_EQ(admin_->set_password("carol", "another secret phrase", cli_).value(), 1u);
  EXPECT_EQ(service_->authenticator().authenticate(t.access_token).error(), AuthError::session_ended);
  EXPECT_EQ(service_->logins().login("carol", kPassword, {}).error(), AuthError::invalid_credentials);
  login("carol", "another secret phrase");
  EXPECT_EQ(admin_->set_password("nobody", "another secret phrase", cli_).error(), AuthError::user_not_found);
}

TEST_F(AdminTest, SessionsAreListedAndRevokedOneOrAll) {
  ASSERT_TRUE(service_->accounts().signup("dave", kPassword));
  auto a = login("dave");
  auto b = login("dave");
  auto c = login("dave");
  auto listed = admin_->sessions("dave").value();
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0].session.user_agent, "test-agent");
  EXPECT_TRUE(admin_->revoke_session("dave", a.session_id, cli_));
  EXPECT_EQ(service_->authenticator().authenticate(a.access_token).error(), AuthError::session_ended);
  EXPECT_TRUE(service_->authenticator().authenticate(b.access_token).has_value());
  EXPECT_EQ(admin_->revoke_session("dave", a.session_id, cli_).error(), AuthError::session_not_found);
  EXPECT_EQ(admin_->revoke_session("dave", "no-such-session", cli_).error(), AuthError::session_not_found);
  EXPECT_EQ(admin_->revoke_sessions("dave", cli_).value(), 2u);
  EXPECT_EQ(service_->authenticator().authenticate(c.access_token).error(), AuthError::session_ended);
  EXPECT_TRUE(admin_->sessions("dave")->empty());
  EXPECT_EQ(admin_->sessions("nobody").error(), AuthError::user_not_found);
}

TEST_F(AdminTest, DeleteEndsSessionsRemovesTheUserAndKeepsItsAuditTrail) {
  ASSERT_TRUE(service_->accounts().signup("erin", kPassword));
  auto t = login("erin");
  EXPECT_EQ(admin_->delete_user("erin", cli_).value(), 1u);
  EXPECT_EQ(service_->authenticator().authenticate(t.access_token).error(), AuthError::session_ended);
  EXPECT_EQ(admin_->show_user("erin").error(), AuthError::user_not_found);
  EXPECT_EQ(service_->logins().login("erin", kPassword, {}).error(), AuthError::invalid_credentials);
  EXPECT_EQ(events("erin"), (std::vector<std::string>{"user:signup", "user:login", "cli:admin.user_deleted",
                                                      "user:login_failed"}));
  ASSERT_TRUE(service_->accounts().signup("erin", kPassword));  // the name is free again
  EXPECT_EQ(admin_->delete_user("nobody", cli_).error(), AuthError::user_not_found);
}

TEST_F(AdminTest, TheAuditTrailRecordsWhoDidWhatFromWhereAndNoSecret) {
  ASSERT_TRUE(service_->accounts().signup("frank", kPassword, Client{"signup-agent", "192.0.2.7"}));
  auto t = login("frank");
  EXPECT_FALSE(service_->logins().login("frank", "wrong password", Client{"x", "192.0.2.8"}).has_value());
  EXPECT_FALSE(service_->logins().login("Ghost", "wrong password", Client{"x", "192.0.2.9"}).has_value());
  const Principal p = service_->authenticator().authenticate(t.access_token).value();
  ASSERT_TRUE(service_->accounts().change_password(p, kPassword, "brand new secret", {}));
  ASSERT_TRUE(service_->sessions().logout_all(p, false, {}));
  EXPECT_EQ(events("frank"), (std::vector<std::string>{"user:signup", "user:login", "user:login_failed",
                                                       "user:password_change", "user:logout_all"}));
  audit_->flush();
  auto all = admin_->audit(std::nullopt, 100).value();
  const auto signup = std::find_if(all.begin(), all.end(), [](const auto& e) { return e.event == "signup"; });
  ASSERT_NE(signup, all.end());
  EXPECT_EQ(signup->ip, "192.0.2.7");
  EXPECT_EQ(signup->user_agent, "signup-agent");
  EXPECT_EQ(signup->username, "frank");
  // An unknown name is recorded as attempted, with no user id.
  auto ghost = admin_->audit("ghost", 10).value();
  ASSERT_EQ(ghost.size(), 1u);
  EXPECT_EQ(ghost[0].username, "Ghost");
  EXPECT_EQ(ghost[0].user_id, "");
  EXPECT_EQ(ghost[0].detail, R"({"reason":"bad_credentials"})");
  for (const auto& e : all) {
    for (const std::string& field : {e.detail, e.username, e.user_agent, e.session_id}) {
      EXPECT_EQ(field.find("password1"), std::string::npos) << e.event;
      EXPECT_EQ(field.find("wrong password"), std::string::npos) << e.event;
      EXPECT_EQ(field.find(t.refresh_token), std::string::npos) << e.event;
    }
  }
}

TEST_F(AdminTest, AttemptedNamesAreBounded) {
  const std::string huge(5000, 'x');
  EXPECT_FALSE(service_->logins().login(huge, "wrong password", {}).has_value());
  audit_->flush();
  auto rows = admin_->audit(std::nullopt, 10).value();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_LE(rows[0].username.size(), 256u);
}

TEST(AuditLog, AFullQueueDropsAndCountsInsteadOfWaiting) {
  crypto::init();
  latchkey::testing::TempDir dir;
  store::sqlite::SqliteStore store(dir.file("a.db"));
  AuditLog log(store, 3);
  for (int i = 0; i < 5; ++i) log.record({.event = "login", .username = "zoe"});
  EXPECT_EQ(log.queued(), 3u);
  EXPECT_EQ(log.counters().dropped.load(), 2u);
  EXPECT_EQ(log.flush(), 3u);
  EXPECT_EQ(log.flush(), 0u);
  EXPECT_EQ(log.counters().written.load(), 3u);
  EXPECT_TRUE(log.write_now({.event = "admin.user_created", .actor = "cli", .username = "zoe"}));
  EXPECT_EQ(store.audit().list({std::string("zoe"), 10, std::nullopt})->size(), 4u);
}

}  // namespace
