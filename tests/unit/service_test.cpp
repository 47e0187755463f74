#include "auth/service.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "auth/key_bootstrap.hpp"
#include "crypto/random.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

using namespace latchkey;
using namespace latchkey::auth;

namespace {

constexpr UnixSeconds kStart = 1'800'000'000;

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    store_ = std::make_unique<store::sqlite::SqliteStore>(dir_.file("auth.db"));
    service_ = make_service();
  }

  std::unique_ptr<Service> make_service(crypto::PasswordParams params = {1, 64 * 1024}) {
    Options o;
    o.issuer = "http://test";
    o.password = params;  // cheap hashing: these tests are about the flows
    auto keys = load_signing_keys(*store_, std::nullopt, now_).value();
    return std::make_unique<Service>(*store_, std::move(keys), o, [this] { return now_; });
  }

  TokenPair signup_and_login(const std::string& name, const std::string& ua = "ua") {
    EXPECT_TRUE(service_->signup(name, "password123").has_value());
    return login(name, ua);
  }

  TokenPair login(const std::string& name, const std::string& ua = "ua") {
    auto t = service_->login(name, "password123", Client{ua, "10.0.0.1"});
    EXPECT_TRUE(t.has_value());
    return t.value_or(TokenPair{});
  }

  Principal who(const TokenPair& t) { return service_->authenticate(t.access_token).value(); }

  latchkey::testing::TempDir dir_;
  UnixSeconds now_ = kStart;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Service> service_;
};

}  // namespace

TEST_F(ServiceTest, SignupLoginAuthenticate) {
  auto t = signup_and_login("alice");
  EXPECT_TRUE(t.refresh_token.starts_with("lkr_"));
  auto p = service_->authenticate(t.access_token);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->username, "alice");
  EXPECT_EQ(p->session_id, t.session_id);
  EXPECT_NE(p->user_id, "alice");
}

TEST_F(ServiceTest, SignupValidation) {
  EXPECT_EQ(service_->signup("", "password123").error(), AuthError::credentials_required);
  EXPECT_EQ(service_->signup("bob", "").error(), AuthError::credentials_required);
  EXPECT_EQ(service_->signup("bob", "short").error(), AuthError::password_too_short);
  EXPECT_EQ(service_->signup("bob", std::string(1025, 'p')).error(), AuthError::password_too_long);
  EXPECT_EQ(service_->signup(std::string(65, 'b'), "password123").error(), AuthError::username_invalid);
  EXPECT_EQ(service_->signup("bo\nb", "password123").error(), AuthError::username_invalid);
  EXPECT_TRUE(service_->signup("b\xc3\xa9la", "password123").has_value());  // "béla"
  EXPECT_TRUE(service_->signup("bob", std::string(1024, 'p')).has_value());
  EXPECT_EQ(service_->signup("bob", "password123").error(), AuthError::username_taken);
}

TEST_F(ServiceTest, UnknownUserAndWrongPasswordLookTheSame) {
  ASSERT_TRUE(service_->signup("alice", "password123"));
  EXPECT_EQ(service_->login("alice", "wrong-password", {}).error(), AuthError::invalid_credentials);
  EXPECT_EQ(service_->login("nobody", "password123", {}).error(), AuthError::invalid_credentials);
  EXPECT_EQ(service_->login("alice", std::string(5000, 'x'), {}).error(),
            AuthError::invalid_credentials);
}

TEST_F(ServiceTest, EachLoginIsItsOwnSession) {
  auto a = signup_and_login("alice", "phone");
  now_ += 5;
  auto b = login("alice", "laptop");
  EXPECT_NE(a.session_id, b.session_id);
  auto list = service_->list_sessions(who(b)).value();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].session.id, b.session_id);  // newest first
  EXPECT_TRUE(list[0].current);
  EXPECT_FALSE(list[1].current);
  EXPECT_EQ(list[1].session.user_agent, "phone");
  EXPECT_EQ(list[1].session.ip, "10.0.0.1");
  EXPECT_EQ(list[0].session.expires_at, now_ + service_->options().refresh_ttl);
}

TEST_F(ServiceTest, RefreshGivesANewAccessTokenForTheSameSession) {
  auto t = signup_and_login("alice");
  now_ += 60;
  auto fresh = service_->refresh(t.refresh_token, {});
  ASSERT_TRUE(fresh.has_value());
  auto p = service_->authenticate(*fresh).value();
  EXPECT_EQ(p.session_id, t.session_id);
  auto s = store_->find_session(t.session_id).value();
  EXPECT_EQ(s.last_used_at, now_);
}

TEST_F(ServiceTest, TokenTypesDoNotCross) {
  auto t = signup_and_login("alice");
  EXPECT_EQ(service_->refresh(t.access_token, {}).error(), AuthError::token_wrong_type);
  EXPECT_EQ(service_->authenticate(t.refresh_token).error(), AuthError::token_invalid);
  EXPECT_EQ(service_->refresh("lkr_not-a-real-token", {}).error(), AuthError::token_invalid);
  EXPECT_EQ(service_->refresh("", {}).error(), AuthError::token_missing);
  EXPECT_EQ(service_->authenticate("").error(), AuthError::token_missing);
}

TEST_F(ServiceTest, ExpiryOfAccessAndRefreshTokens) {
  auto t = signup_and_login("alice");
  now_ += service_->options().access_ttl + service_->options().leeway + 1;
  EXPECT_EQ(service_->authenticate(t.access_token).error(), AuthError::token_expired);
  EXPECT_TRUE(service_->refresh(t.refresh_token, {}).has_value());
  now_ = kStart + service_->options().refresh_ttl;
  EXPECT_EQ(service_->refresh(t.refresh_token, {}).error(), AuthError::token_expired);
}

TEST_F(ServiceTest, LogoutEndsOneSessionAtOnce) {
  auto a = signup_and_login("alice");
  auto b = login("alice");
  auto c = login("alice");
  auto ended = service_->logout(who(a), LogoutTarget{b.access_token, std::nullopt});
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(*ended, b.session_id);
  EXPECT_EQ(service_->authenticate(b.access_token).error(), AuthError::session_ended);
  EXPECT_EQ(service_->refresh(b.refresh_token, {}).error(), AuthError::session_ended);
  EXPECT_TRUE(service_->authenticate(a.access_token).has_value());
  EXPECT_TRUE(service_->authenticate(c.access_token).has_value());
  EXPECT_TRUE(service_->refresh(c.refresh_token, {}).has_value());
  EXPECT_EQ(service_->list_sessions(who(a))->size(), 2u);
  // Ending it again finds nothing.
  EXPECT_EQ(service_->logout(who(a), LogoutTarget{b.access_token, std::nullopt}).error(),
            AuthError::session_not_found);
}

TEST_F(ServiceTest, LogoutByRefreshTokenSessionIdOrOwnSession) {
  auto a = signup_and_login("alice");
  auto b = login("alice");
  auto c = login("alice");
  EXPECT_EQ(service_->logout(who(a), LogoutTarget{b.refresh_token, std::nullopt}).value(), b.session_id);
  EXPECT_EQ(service_->logout(who(a), LogoutTarget{std::nullopt, c.session_id}).value(), c.session_id);
  EXPECT_EQ(service_->logout(who(a), LogoutTarget{}).value(), a.session_id);
  EXPECT_EQ(service_->authenticate(a.access_token).error(), AuthError::session_ended);
}

TEST_F(ServiceTest, NobodyEndsAnotherUsersSession) {
  auto alice = signup_and_login("alice");
  auto bob = signup_and_login("bob");
  for (const LogoutTarget& t : {LogoutTarget{bob.access_token, std::nullopt},
                                LogoutTarget{bob.refresh_token, std::nullopt},
                                LogoutTarget{std::nullopt, bob.session_id},
                                LogoutTarget{"garbage", std::nullopt}}) {
    EXPECT_EQ(service_->logout(who(alice), t).error(), AuthError::session_not_found);
  }
  EXPECT_TRUE(service_->authenticate(bob.access_token).has_value());
  EXPECT_TRUE(service_->refresh(bob.refresh_token, {}).has_value());
}

TEST_F(ServiceTest, AnExpiredAccessTokenStillNamesItsSessionForLogout) {
  auto a = signup_and_login("alice");
  auto b = login("alice");
  now_ += service_->options().access_ttl + 3600;
  auto fresh = service_->refresh(a.refresh_token, {}).value();
  auto caller = service_->authenticate(fresh).value();
  EXPECT_EQ(service_->logout(caller, LogoutTarget{b.access_token, std::nullopt}).value(), b.session_id);
  EXPECT_EQ(service_->refresh(b.refresh_token, {}).error(), AuthError::session_ended);
}

TEST_F(ServiceTest, RevocationsSurviveARestart) {
  auto a = signup_and_login("alice");
  auto b = login("alice");
  ASSERT_TRUE(service_->logout(who(a), LogoutTarget{}));
  auto restarted = make_service();
  EXPECT_EQ(restarted->load_revocations().value(), 1u);
  EXPECT_EQ(restarted->authenticate(a.access_token).error(), AuthError::session_ended);
  EXPECT_TRUE(restarted->authenticate(b.access_token).has_value());  // same key from the database
}

TEST_F(ServiceTest, LoginUpgradesAnOutdatedHash) {
  ASSERT_TRUE(service_->signup("alice", "password123"));
  const auto before = store_->find_user_by_name("alice")->password_hash;
  auto stronger = make_service({2, 128 * 1024});
  ASSERT_TRUE(stronger->login("alice", "password123", {}).has_value());
  const auto after = store_->find_user_by_name("alice")->password_hash;
  EXPECT_NE(before, after);
  EXPECT_NE(after.find("m=128,t=2"), std::string::npos) << after;
}

TEST_F(ServiceTest, ConfiguredSecretSignsHs256UnderThatKey) {
  const std::string secret(40, 's');
  auto keys = load_signing_keys(*store_, secret, now_).value();
  ASSERT_EQ(keys.keys().size(), 1u);
  EXPECT_EQ(keys.current().secret, secret);
  EXPECT_EQ(keys.current().kid, token::kid_for_secret(secret));
}
