#include "auth/service.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <span>
#include <string>

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
    audit_ = std::make_unique<AuditLog>(*store_);
    service_ = make_service();
  }

  static Options options(crypto::PasswordParams params = {1, 64 * 1024}) {
    Options o;
    o.issuer = "http://test";
    o.password = params;  // cheap hashing: these tests are about the flows
    return o;
  }

  std::unique_ptr<Service> make_service(Options o = options()) {
    KeyPolicy kp;
    kp.alg = token::Alg::HS256;  // cheap to generate; the algorithms have their own tests
    auto keys = load_signing_keys(*store_, kp, now_).value();
    auto secret = load_refresh_secret(*store_, now_).value();
    return std::make_unique<Service>(*store_, std::move(keys), secret, o, [this] { return ticking_ ? now_++ : now_; },
                                     *audit_);
  }

  TokenPair signup_and_login(const std::string& name, const std::string& ua = "ua") {
    EXPECT_TRUE(service_->accounts().signup(name, "password123").has_value());
    return login(name, ua);
  }

  TokenPair login(const std::string& name, const std::string& ua = "ua") {
    auto t = service_->logins().login(name, "password123", Client{ua, "10.0.0.1"});
    EXPECT_TRUE(t.has_value());
    return t.value_or(TokenPair{});
  }

  Principal who(const TokenPair& t) { return service_->authenticator().authenticate(t.access_token).value(); }

  latchkey::testing::TempDir dir_;
  UnixSeconds now_ = kStart;
  bool ticking_ = false;  // each read of the clock moves it a second on: a slow request under load
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<Service> service_;
};

}  // namespace

TEST_F(ServiceTest, SignupLoginAuthenticate) {
  auto t = signup_and_login("alice");
  EXPECT_TRUE(t.refresh_token.starts_with("lkr_"));
  auto p = service_->authenticator().authenticate(t.access_token);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->username, "alice");
  EXPECT_EQ(p->session_id, t.session_id);
  EXPECT_NE(p->user_id, "alice");
}

TEST_F(ServiceTest, SignupValidation) {
  EXPECT_EQ(service_->accounts().signup("", "password123").error(), AuthError::credentials_required);
  EXPECT_EQ(service_->accounts().signup("bob", "").error(), AuthError::credentials_required);
  EXPECT_EQ(service_->accounts().signup("bob", "short").error(), AuthError::password_too_short);
  EXPECT_EQ(service_->accounts().signup("bob", std::string(1025, 'p')).error(), AuthError::password_too_long);
  EXPECT_EQ(service_->accounts().signup(std::string(65, 'b'), "password123").error(), AuthError::username_invalid);
  EXPECT_EQ(service_->accounts().signup("bo\nb", "password123").error(), AuthError::username_invalid);
  EXPECT_TRUE(service_->accounts().signup("b\xc3\xa9la", "password123").has_value());  // "béla"
  EXPECT_TRUE(service_->accounts().signup("bob", std::string(1024, 'p')).has_value());
  EXPECT_EQ(service_->accounts().signup("bob", "password123").error(), AuthError::username_taken);
}

TEST_F(ServiceTest, UnknownUserAndWrongPasswordLookTheSame) {
  ASSERT_TRUE(service_->accounts().signup("alice", "password123"));
  EXPECT_EQ(service_->logins().login("alice", "wrong-password", {}).error(), AuthError::invalid_credentials);
  EXPECT_EQ(service_->logins().login("nobody", "password123", {}).error(), AuthError::invalid_credentials);
  EXPECT_EQ(service_->logins().login("alice", std::string(5000, 'x'), {}).error(),
            AuthError::invalid_credentials);
}

TEST_F(ServiceTest, EachLoginIsItsOwnSession) {
  auto a = signup_and_login("alice", "phone");
  now_ += 5;
  auto b = login("alice", "laptop");
  EXPECT_NE(a.session_id, b.session_id);
  auto list = service_->sessions().list(who(b)).value();
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
  auto fresh = service_->sessions().refresh(t.refresh_token);
  ASSERT_TRUE(fresh.has_value());
  auto p = service_->authenticator().authenticate(fresh->access_token).value();
  EXPECT_EQ(p.session_id, t.session_id);
  EXPECT_NE(fresh->refresh_token, t.refresh_token);
  auto s = store_->sessions().find(t.session_id).value();
  EXPECT_EQ(s.last_used_at, now_);
  EXPECT_EQ(s.generation, 1);
}

TEST_F(ServiceTest, TokenTypesDoNotCross) {
  auto t = signup_and_login("alice");
  EXPECT_EQ(service_->sessions().refresh(t.access_token).error(), AuthError::token_wrong_type);
  EXPECT_EQ(service_->authenticator().authenticate(t.refresh_token).error(), AuthError::token_wrong_type);
  EXPECT_EQ(service_->sessions().refresh("lkr_not-a-real-token").error(), AuthError::token_invalid);
  EXPECT_EQ(service_->sessions().refresh("").error(), AuthError::token_missing);
  EXPECT_EQ(service_->authenticator().authenticate("").error(), AuthError::token_missing);
}

TEST_F(ServiceTest, ExpiryOfAccessAndRefreshTokens) {
  auto t = signup_and_login("alice");
  now_ += service_->options().access_ttl + service_->options().leeway + 1;
  EXPECT_EQ(service_->authenticator().authenticate(t.access_token).error(), AuthError::token_expired);
  auto next = service_->sessions().refresh(t.refresh_token);
  ASSERT_TRUE(next.has_value());
  now_ = kStart + service_->options().refresh_ttl;
  EXPECT_EQ(service_->sessions().refresh(next->refresh_token).error(), AuthError::token_expired);
}

TEST_F(ServiceTest, LogoutEndsOneSessionAtOnce) {
  auto a = signup_and_login("alice");
  auto b = login("alice");
  auto c = login("alice");
  auto ended = service_->sessions().logout(who(a), LogoutTarget{b.access_token, std::nullopt});
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(*ended, b.session_id);
  EXPECT_EQ(service_->authenticator().authenticate(b.access_token).error(), AuthError::session_ended);
  EXPECT_EQ(service_->sessions().refresh(b.refresh_token).error(), AuthError::session_ended);
  EXPECT_TRUE(service_->authenticator().authenticate(a.access_token).has_value());
  EXPECT_TRUE(service_->authenticator().authenticate(c.access_token).has_value());
  EXPECT_TRUE(service_->sessions().refresh(c.refresh_token).has_value());
  EXPECT_EQ(service_->sessions().list(who(a))->size(), 2u);
  // Ending it again finds nothing.
  EXPECT_EQ(service_->sessions().logout(who(a), LogoutTarget{b.access_token, std::nullopt}).error(),
            AuthError::session_not_found);
}

TEST_F(ServiceTest, LogoutByRefreshTokenSessionIdOrOwnSession) {
  auto a = signup_and_login("alice");
  auto b = login("alice");
  auto c = login("alice");
  EXPECT_EQ(service_->sessions().logout(who(a), LogoutTarget{b.refresh_token, std::nullopt}).value(), b.session_id);
  EXPECT_EQ(service_->sessions().logout(who(a), LogoutTarget{std::nullopt, c.session_id}).value(), c.session_id);
  EXPECT_EQ(service_->sessions().logout(who(a), LogoutTarget{}).value(), a.session_id);
  EXPECT_EQ(service_->authenticator().authenticate(a.access_token).error(), AuthError::session_ended);
}

TEST_F(ServiceTest, NobodyEndsAnotherUsersSession) {
  auto alice = signup_and_login("alice");
  auto bob = signup_and_login("bob");
  for (const LogoutTarget& t : {LogoutTarget{bob.access_token, std::nullopt},
                                LogoutTarget{bob.refresh_token, std::nullopt},
                                LogoutTarget{std::nullopt, bob.session_id},
                                LogoutTarget{"garbage", std::nullopt}}) {
    EXPECT_EQ(service_->sessions().logout(who(alice), t).error(), AuthError::session_not_found);
  }
  EXPECT_TRUE(service_->authenticator().authenticate(bob.access_token).has_value());
  EXPECT_TRUE(service_->sessions().refresh(bob.refresh_token).has_value());
}

TEST_F(ServiceTest, AnExpiredAccessTokenStillNamesItsSessionForLogout) {
  auto a = signup_and_login("alice");
  auto b = login("alice");
  now_ += service_->options().access_ttl + 3600;
  auto fresh = service_->sessions().refresh(a.refresh_token).value();
  auto caller = service_->authenticator().authenticate(fresh.access_token).value();
  EXPECT_EQ(service_->sessions().logout(caller, LogoutTarget{b.access_token, std::nullopt}).value(), b.session_id);
  EXPECT_EQ(service_->sessions().refresh(b.refresh_token).error(), AuthError::session_ended);
}

TEST_F(ServiceTest, RevocationsSurviveARestart) {
  auto a = signup_and_login("alice");
  auto b = login("alice");
  ASSERT_TRUE(service_->sessions().logout(who(a), LogoutTarget{}));
  auto restarted = make_service();
  EXPECT_EQ(restarted->load_revocations().value(), 1u);
  EXPECT_EQ(restarted->authenticator().authenticate(a.access_token).error(), AuthError::session_ended);
  EXPECT_TRUE(restarted->authenticator().authenticate(b.access_token).has_value());  // same key from the database
}

TEST_F(ServiceTest, LoginUpgradesAnOutdatedHash) {
  ASSERT_TRUE(service_->accounts().signup("alice", "password123"));
  const auto before = store_->users().find_by_name("alice")->password_hash;
  auto stronger = make_service(options({2, 128 * 1024}));
  ASSERT_TRUE(stronger->logins().login("alice", "password123", {}).has_value());
  const auto after = store_->users().find_by_name("alice")->password_hash;
  EXPECT_NE(before, after);
  EXPECT_NE(after.find("m=128,t=2"), std::string::npos) << after;
}

TEST_F(ServiceTest, ConfiguredSecretSignsHs256UnderThatKey) {
  const std::string secret(40, 's');
  auto keys = load_signing_keys(*store_, KeyPolicy{secret, token::Alg::ES256, 900, 30}, now_).value();
  ASSERT_EQ(keys.keys().size(), 1u);
  EXPECT_EQ(keys.current().secret, secret);
  EXPECT_EQ(keys.current().kid, token::kid_for_secret(secret));
}

TEST_F(ServiceTest, RetryWithinGraceGetsTheSamePairAndNoNewChain) {
  auto t = signup_and_login("alice");
  now_ += 100;
  auto first = service_->sessions().refresh(t.refresh_token).value();
  now_ += service_->options().reuse_grace;  // still inside the window
  auto again = service_->sessions().refresh(t.refresh_token).value();
  EXPECT_EQ(again.refresh_token, first.refresh_token);
  EXPECT_EQ(again.access_token, first.access_token);
  // The same token, issued at the first use: what is left of its life.
  EXPECT_EQ(first.expires_in, service_->options().access_ttl);
  EXPECT_EQ(again.expires_in, service_->options().access_ttl - service_->options().reuse_grace);
  EXPECT_EQ(store_->sessions().find(t.session_id)->generation, 1);
  EXPECT_EQ(service_->counters().refresh_replayed.load(), 1u);
  // The chain goes on from the one new token.
  EXPECT_TRUE(service_->sessions().refresh(first.refresh_token).has_value());
}

TEST_F(ServiceTest, SpentTokenAfterGraceEndsTheWholeSession) {
  auto t = signup_and_login("alice");
  auto first = service_->sessions().refresh(t.refresh_token).value();
  now_ += service_->options().reuse_grace + 1;
  EXPECT_EQ(service_->sessions().refresh(t.refresh_token).error(), AuthError::token_reused);
  EXPECT_EQ(service_->authenticator().authenticate(first.access_token).error(), AuthError::session_ended);
  EXPECT_EQ(service_->sessions().refresh(first.refresh_token).error(), AuthError::session_ended);
  EXPECT_EQ(service_->counters().refresh_reuse_detected.load(), 1u);
}

TEST_F(ServiceTest, AnOlderTokenOfTheChainIsReuseEvenWithinGrace) {
  auto t = signup_and_login("alice");
  auto g1 = service_->sessions().refresh(t.refresh_token).value();
  auto g2 = service_->sessions().refresh(g1.refresh_token).value();
  EXPECT_EQ(service_->sessions().refresh(t.refresh_token).error(), AuthError::token_reused);
  EXPECT_EQ(service_->sessions().refresh(g2.refresh_token).error(), AuthError::session_ended);
}

TEST_F(ServiceTest, ForgedTokensNeverRevokeAnything) {
  auto t = signup_and_login("alice");
  auto first = service_->sessions().refresh(t.refresh_token).value();
  now_ += 3600;
  // Right session id and generation, wrong secret: not ours, so no theft signal.
  const std::string forged = "lkr_" + t.session_id + ".0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  EXPECT_EQ(service_->sessions().refresh(forged).error(), AuthError::token_invalid);
  const std::string future = "lkr_" + t.session_id + ".9.AAAA";
  EXPECT_EQ(service_->sessions().refresh(future).error(), AuthError::token_invalid);
  EXPECT_TRUE(service_->sessions().refresh(first.refresh_token).has_value());
}

TEST_F(ServiceTest, RotationOffKeepsOneRefreshToken) {
  auto o = options();
  o.rotate_refresh_tokens = false;
  service_ = make_service(o);
  auto t = signup_and_login("alice");
  for (int i = 0; i < 3; ++i) {
    now_ += 3600;
    auto r = service_->sessions().refresh(t.refresh_token);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->refresh_token, t.refresh_token);
    EXPECT_NE(r->access_token, t.access_token);
  }
  EXPECT_EQ(store_->sessions().find(t.session_id)->generation, 0);
}

TEST_F(ServiceTest, IdleSessionsEnd) {
  auto t = signup_and_login("alice");
  const std::string user_id(who(t).user_id);
  now_ += service_->options().idle_ttl - 10;
  auto r = service_->sessions().refresh(t.refresh_token).value();  // use resets the idle clock
  now_ += service_->options().idle_ttl - 10;
  auto list = service_->sessions().list(Principal{user_id, "alice", "other", nullptr}).value();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].expires_at, now_ + 10);
  now_ += 10;
  EXPECT_EQ(service_->sessions().refresh(r.refresh_token).error(), AuthError::token_expired);
  EXPECT_TRUE(service_->sessions().list(Principal{user_id, "alice", "x", nullptr})->empty());
}

TEST_F(ServiceTest, LogoutAllAndOthers) {
  auto a = signup_and_login("alice");
  auto b = login("alice");
  auto c = login("alice");
  auto bob = signup_and_login("bob");
  EXPECT_EQ(service_->sessions().logout_all(who(a), true).value(), 2u);
  EXPECT_TRUE(service_->authenticator().authenticate(a.access_token).has_value());
  EXPECT_EQ(service_->authenticator().authenticate(b.access_token).error(), AuthError::session_ended);
  EXPECT_EQ(service_->authenticator().authenticate(c.access_token).error(), AuthError::session_ended);
  EXPECT_EQ(service_->sessions().logout_all(who(a), false).value(), 1u);
  EXPECT_EQ(service_->authenticator().authenticate(a.access_token).error(), AuthError::session_ended);
  EXPECT_TRUE(service_->authenticator().authenticate(bob.access_token).has_value());
}

TEST_F(ServiceTest, PasswordChangeEndsTheOtherSessions) {
  auto a = signup_and_login("alice");
  auto b = login("alice");
  EXPECT_EQ(service_->accounts().change_password(who(a), "wrong-password", "new-password-1").error(),
            AuthError::invalid_credentials);
  EXPECT_TRUE(service_->authenticator().authenticate(b.access_token).has_value());  // nothing changed
  EXPECT_EQ(service_->accounts().change_password(who(a), "password123", "short").error(),
            AuthError::password_too_short);
  EXPECT_EQ(service_->accounts().change_password(who(a), "", "new-password-1").error(),
            AuthError::passwords_required);
  EXPECT_EQ(service_->accounts().change_password(who(a), "password123", "new-password-1").value(), 1u);
  EXPECT_TRUE(service_->authenticator().authenticate(a.access_token).has_value());
  EXPECT_EQ(service_->authenticator().authenticate(b.access_token).error(), AuthError::session_ended);
  EXPECT_EQ(service_->logins().login("alice", "password123", {}).error(), AuthError::invalid_credentials);
  EXPECT_TRUE(service_->logins().login("alice", "new-password-1", {}).has_value());
}

TEST_F(ServiceTest, SessionCapEndsTheLeastRecentlyUsed) {
  auto o = options();
  o.max_sessions_per_user = 2;
  service_ = make_service(o);
  auto a = signup_and_login("alice");
  now_ += 10;
  auto b = login("alice");
  now_ += 10;
  ASSERT_TRUE(service_->sessions().refresh(a.refresh_token).has_value());  // a is now the more recent
  now_ += 10;
  auto c = login("alice");
  EXPECT_EQ(service_->authenticator().authenticate(b.access_token).error(), AuthError::session_ended);
  EXPECT_TRUE(service_->authenticator().authenticate(c.access_token).has_value());
  EXPECT_EQ(service_->sessions().list(who(c))->size(), 2u);
}

TEST_F(ServiceTest, UseOfAnAccessTokenUpdatesLastUseAtMostOncePerMinute) {
  auto t = signup_and_login("alice");
  now_ += 120;
  ASSERT_TRUE(service_->authenticator().authenticate(t.access_token).has_value());
  EXPECT_EQ(service_->sessions().flush_usage().value(), 1u);
  EXPECT_EQ(store_->sessions().find(t.session_id)->last_used_at, now_);
  now_ += 5;
  ASSERT_TRUE(service_->authenticator().authenticate(t.access_token).has_value());
  EXPECT_EQ(service_->sessions().flush_usage().value(), 0u);  // within the minute: no write yet
}

TEST_F(ServiceTest, LastUseTimesCanBeWrittenInParts) {
  auto a = signup_and_login("alice");
  auto b = signup_and_login("bob");
  now_ += 120;
  ASSERT_TRUE(service_->authenticator().authenticate(a.access_token).has_value());
  ASSERT_TRUE(service_->authenticator().authenticate(b.access_token).has_value());
  const auto used = service_->sessions().take_usage();
  ASSERT_EQ(used.size(), 2u);
  EXPECT_TRUE(service_->sessions().take_usage().empty());  // taken once
  ASSERT_TRUE(service_->sessions().write_usage(std::span(used).first(1)).has_value());
  const std::string& written = used[0].session_id;
  const std::string& later = used[1].session_id;
  EXPECT_EQ(store_->sessions().find(written)->last_used_at, now_);
  EXPECT_LT(store_->sessions().find(later)->last_used_at, now_);
  ASSERT_TRUE(service_->sessions().write_usage(std::span(used).subspan(1)).has_value());
  EXPECT_EQ(store_->sessions().find(later)->last_used_at, now_);
}

TEST_F(ServiceTest, SessionListDescribesDevices) {
  auto t = signup_and_login(
      "alice", "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0");
  auto list = service_->sessions().list(who(t)).value();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].device, "Firefox on Linux");
}

TEST_F(ServiceTest, UsernamesAreOneAccountWhateverTheCase) {
  ASSERT_TRUE(service_->accounts().signup("  Alice ", "password123"));
  EXPECT_EQ(service_->accounts().signup("alice", "password123").error(), AuthError::username_taken);
  EXPECT_EQ(service_->accounts().signup("ALICE", "password123").error(), AuthError::username_taken);
  auto t = service_->logins().login("aLiCe", "password123", {});
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(service_->authenticator().authenticate(t->access_token)->username, "Alice");
}

TEST_F(ServiceTest, PasswordPolicy) {
  EXPECT_EQ(service_->accounts().signup("bob", "passwor").error(), AuthError::password_too_short);
  EXPECT_EQ(service_->accounts().signup("bob", "password").error(), AuthError::password_common);
  EXPECT_EQ(service_->accounts().signup("bob", "iloveyou").error(), AuthError::password_common);
  EXPECT_EQ(service_->accounts().signup("bob", "Password1").error(), AuthError::password_common);
  EXPECT_EQ(service_->accounts().signup("bobby-tables", "Bobby-Tables").error(), AuthError::password_is_username);
  EXPECT_TRUE(service_->accounts().signup("bob", "eight ch").has_value());  // 8 characters, no composition rules
  auto a = service_->logins().login("bob", "eight ch", {}).value();
  EXPECT_EQ(service_->accounts().change_password(service_->authenticator().authenticate(a.access_token).value(), "eight ch", "qwerty123")
                .error(),
            AuthError::password_common);
}

// The verified-token cache must not change any answer: revocation, expiry and
// the key set are still honoured for a token that was served from it.
TEST_F(ServiceTest, CachedTokenIsStillRevokedAtOnce) {
  auto t = signup_and_login("alice");
  ASSERT_TRUE(service_->authenticator().authenticate(t.access_token).has_value());
  ASSERT_TRUE(service_->authenticator().authenticate(t.access_token).has_value());  // from the cache
  EXPECT_EQ(service_->tokens().verified_cache_size(), 1u);
  ASSERT_TRUE(service_->sessions().logout(who(t), LogoutTarget{}).has_value());
  EXPECT_EQ(service_->authenticator().authenticate(t.access_token).error(), AuthError::session_ended);
}

TEST_F(ServiceTest, CachedTokenStillExpires) {
  auto t = signup_and_login("alice");
  ASSERT_TRUE(service_->authenticator().authenticate(t.access_token).has_value());
  now_ += service_->options().access_ttl + service_->options().leeway + 1;
  EXPECT_EQ(service_->authenticator().authenticate(t.access_token).error(), AuthError::token_expired);
}

TEST_F(ServiceTest, KeyLeavingTheSetTakesCachedTokensWithIt) {
  auto t = signup_and_login("alice");
  ASSERT_TRUE(service_->authenticator().authenticate(t.access_token).has_value());
  token::SigningKey other;
  other.kid = "other";
  other.alg = token::Alg::HS256;
  other.secret = std::string(32, 'k');
  service_->tokens().set_keys(token::KeySet({other}));
  EXPECT_EQ(service_->tokens().verified_cache_size(), 0u);
  EXPECT_EQ(service_->authenticator().authenticate(t.access_token).error(), AuthError::token_invalid);
}

TEST_F(ServiceTest, CacheOffGivesTheSameAnswers) {
  Options o = options();
  o.token_cache_size = 0;
  service_ = make_service(o);
  auto t = signup_and_login("alice");
  EXPECT_EQ(service_->authenticator().authenticate(t.access_token)->username, "alice");
  EXPECT_EQ(service_->authenticator().authenticate(t.access_token)->username, "alice");
  EXPECT_EQ(service_->tokens().verified_cache_size(), 0u);
}

// The two phases of a login, sign-up and password change (hashing, then the
// store): the hashing phase decides every refusal and writes nothing; the
// store phase writes and refuses what it cannot write.

TEST_F(ServiceTest, VerifyLoginWritesNothingAndCompleteLoginStartsTheSession) {
  ASSERT_TRUE(service_->accounts().signup("alice", "password123"));
  auto v = service_->logins().verify_login("alice", "password123", Client{"ua", "10.0.0.1"});
  ASSERT_TRUE(v.has_value());
  ASSERT_FALSE(v->empty());
  EXPECT_EQ(v->user().username, "alice");
  EXPECT_FALSE(v->upgraded_hash().has_value());
  EXPECT_EQ(service_->counters().login_succeeded.load(), 0u);  // not until the session exists
  const std::string user_id = v->user().id;
  EXPECT_TRUE(store_->sessions().list_live(user_id, now_, now_ - 3600)->empty());

  auto t = service_->logins().complete_login(std::move(*v), Client{"ua", "10.0.0.1"});
  ASSERT_TRUE(t.has_value());
  auto p = service_->authenticator().authenticate(t->access_token);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->user_id, user_id);
  EXPECT_EQ(p->session_id, t->session_id);
  EXPECT_EQ(store_->sessions().list_live(user_id, now_, now_ - 3600)->size(), 1u);
  EXPECT_EQ(service_->counters().login_succeeded.load(), 1u);
  EXPECT_TRUE(service_->sessions().refresh(t->refresh_token).has_value());
}

// RFC 6749 5.1: expires_in is the token's lifetime. It once was exp minus a
// later clock read, which a 1 s token under load turned into 0.
TEST_F(ServiceTest, ExpiresInIsTheLifetimeHoweverLongTheRequestTook) {
  ASSERT_TRUE(service_->accounts().signup("alice", "password123"));
  ticking_ = true;
  auto t = login("alice");
  EXPECT_EQ(t.expires_in, Options{}.access_ttl);
  auto r = service_->sessions().refresh(t.refresh_token);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->expires_in, Options{}.access_ttl);
}

TEST_F(ServiceTest, VerifyLoginRefusesBadInput) {
  ASSERT_TRUE(service_->accounts().signup("alice", "password123"));
  EXPECT_EQ(service_->logins().verify_login("", "password123", {}).error(), AuthError::credentials_required);
  EXPECT_EQ(service_->logins().verify_login("alice", "", {}).error(), AuthError::credentials_required);
  EXPECT_EQ(service_->logins().verify_login("alice", "wrong-password", {}).error(), AuthError::invalid_credentials);
  EXPECT_EQ(service_->logins().verify_login("nobody", "password123", {}).error(), AuthError::invalid_credentials);
  EXPECT_EQ(service_->logins().verify_login("alice", std::string(5000, 'x'), {}).error(),
            AuthError::invalid_credentials);
  EXPECT_EQ(service_->logins().verify_login(std::string(1000, 'a'), "password123", {}).error(),
            AuthError::invalid_credentials);
  EXPECT_EQ(service_->logins().verify_login("al\nice", "password123", {}).error(), AuthError::invalid_credentials);
  EXPECT_EQ(service_->counters().login_bad_credentials.load(), 5u);
  EXPECT_EQ(service_->counters().login_succeeded.load(), 0u);
}

TEST_F(ServiceTest, VerifyLoginAppliesTheThrottleEvenToTheRightPassword) {
  ASSERT_TRUE(service_->accounts().signup("alice", "password123"));
  const Client attacker{"ua", "192.0.2.1"};
  const auto& pair = *service_->options().limits[abuse::index_of(abuse::Limit::login_pair)];
  const int failures = static_cast<int>(pair.free) + 1;
  for (int i = 0; i < failures; ++i) {
    EXPECT_EQ(service_->logins().verify_login("alice", "wrong-password", attacker).error(),
              AuthError::invalid_credentials);
  }
  EXPECT_EQ(service_->logins().verify_login("alice", "password123", attacker).error(), AuthError::invalid_credentials);
  EXPECT_EQ(service_->counters().login_locked.load(), 1u);
  // Another device of the owner is not locked out.
  EXPECT_TRUE(service_->logins().verify_login("alice", "password123", Client{"ua", "10.0.0.1"}).has_value());
  now_ += pair.lock_base;
  EXPECT_TRUE(service_->logins().verify_login("alice", "password123", attacker).has_value());
}

TEST_F(ServiceTest, VerifyLoginSaysDisabledOnlyToTheRightPassword) {
  ASSERT_TRUE(service_->accounts().signup("alice", "password123"));
  const std::string user_id = store_->users().find_by_name("alice")->id;
  ASSERT_TRUE(store_->admin().disable_user(user_id, now_));
  EXPECT_EQ(service_->logins().verify_login("alice", "wrong-password", {}).error(), AuthError::invalid_credentials);
  EXPECT_EQ(service_->logins().verify_login("alice", "password123", {}).error(), AuthError::account_disabled);
}

TEST_F(ServiceTest, CompleteLoginRefusesAnAccountDisabledOrDeletedSinceItWasVerified) {
  ASSERT_TRUE(service_->accounts().signup("alice", "password123"));
  ASSERT_TRUE(service_->accounts().signup("bob", "password123"));
  auto alice = service_->logins().verify_login("alice", "password123", {}).value();
  auto bob = service_->logins().verify_login("bob", "password123", {}).value();
  ASSERT_TRUE(store_->admin().disable_user(alice.user().id, now_));
  ASSERT_TRUE(store_->admin().delete_user(bob.user().id, now_, now_));
  const std::string alice_id = alice.user().id;
  EXPECT_EQ(service_->logins().complete_login(std::move(alice), {}).error(), AuthError::account_disabled);
  EXPECT_EQ(service_->logins().complete_login(std::move(bob), {}).error(), AuthError::account_disabled);
  EXPECT_TRUE(store_->sessions().list_live(alice_id, now_, now_ - 3600)->empty());
}

TEST_F(ServiceTest, StorePhasesRefuseEmptyValues) {
  EXPECT_EQ(service_->logins().complete_login(VerifiedLogin{}, {}).error(), AuthError::internal);
  EXPECT_EQ(service_->accounts().complete_signup(NewAccount{}, {}).error(), AuthError::internal);
  EXPECT_EQ(service_->accounts().complete_password_change(VerifiedPasswordChange{}, {}).error(), AuthError::internal);
}

TEST_F(ServiceTest, TheUpgradedHashIsComputedByVerifyAndStoredByComplete) {
  ASSERT_TRUE(service_->accounts().signup("alice", "password123"));
  const auto before = store_->users().find_by_name("alice")->password_hash;
  auto stronger = make_service(options({2, 128 * 1024}));
  auto v = stronger->logins().verify_login("alice", "password123", {});
  ASSERT_TRUE(v.has_value());
  ASSERT_TRUE(v->upgraded_hash().has_value());
  EXPECT_NE(v->upgraded_hash()->find("m=128,t=2"), std::string::npos) << *v->upgraded_hash();
  EXPECT_EQ(store_->users().find_by_name("alice")->password_hash, before);  // not yet
  ASSERT_TRUE(stronger->logins().complete_login(std::move(*v), {}).has_value());
  const auto after = store_->users().find_by_name("alice")->password_hash;
  EXPECT_NE(after.find("m=128,t=2"), std::string::npos) << after;
  // Now up to date: no second upgrade.
  EXPECT_FALSE(stronger->logins().verify_login("alice", "password123", {})->upgraded_hash().has_value());
}

TEST_F(ServiceTest, PrepareSignupValidatesAndHashesButCreatesNothing) {
  EXPECT_EQ(service_->accounts().prepare_signup("", "password123").error(), AuthError::credentials_required);
  EXPECT_EQ(service_->accounts().prepare_signup("bob", "").error(), AuthError::credentials_required);
  EXPECT_EQ(service_->accounts().prepare_signup("bob", "short").error(), AuthError::password_too_short);
  EXPECT_EQ(service_->accounts().prepare_signup("bob", std::string(1025, 'p')).error(), AuthError::password_too_long);
  EXPECT_EQ(service_->accounts().prepare_signup("bob", "password").error(), AuthError::password_common);
  EXPECT_EQ(service_->accounts().prepare_signup("bo\nb", "password123").error(), AuthError::username_invalid);
  EXPECT_EQ(service_->accounts().prepare_signup(std::string(65, 'b'), "password123").error(), AuthError::username_invalid);

  auto account = service_->accounts().prepare_signup("  Bob ", "password123");
  ASSERT_TRUE(account.has_value());
  EXPECT_EQ(account->name().display, "Bob");
  EXPECT_EQ(account->name().key, "bob");
  EXPECT_TRUE(crypto::verify_password(account->password_hash(), "password123"));
  EXPECT_EQ(store_->users().find_by_name("bob").error(), store::StoreError::not_found);

  ASSERT_TRUE(service_->accounts().complete_signup(std::move(*account), {}).has_value());
  EXPECT_EQ(store_->users().find_by_name("bob")->username, "Bob");
  EXPECT_TRUE(service_->logins().login("BOB", "password123", {}).has_value());
}

TEST_F(ServiceTest, TwoSignupsPreparedForOneNameLeaveOneAccount) {
  auto first = service_->accounts().prepare_signup("alice", "password123").value();
  auto second = service_->accounts().prepare_signup("ALICE", "another password").value();
  EXPECT_TRUE(service_->accounts().complete_signup(std::move(first), {}).has_value());
  EXPECT_EQ(service_->accounts().complete_signup(std::move(second), {}).error(), AuthError::username_taken);
  EXPECT_TRUE(service_->logins().login("alice", "password123", {}).has_value());
  EXPECT_EQ(service_->logins().login("alice", "another password", {}).error(), AuthError::invalid_credentials);
}

TEST_F(ServiceTest, PasswordChangeInTwoPhases) {
  auto a = signup_and_login("alice");
  auto b = login("alice");
  EXPECT_EQ(service_->accounts().verify_password_change(who(a), "", "new-password-1").error(),
            AuthError::passwords_required);
  EXPECT_EQ(service_->accounts().verify_password_change(who(a), "password123", "").error(), AuthError::passwords_required);
  EXPECT_EQ(service_->accounts().verify_password_change(who(a), "wrong-password", "new-password-1").error(),
            AuthError::invalid_credentials);
  EXPECT_EQ(service_->accounts().verify_password_change(who(a), std::string(5000, 'x'), "new-password-1").error(),
            AuthError::invalid_credentials);
  EXPECT_EQ(service_->accounts().verify_password_change(who(a), "password123", "short").error(),
            AuthError::password_too_short);
  EXPECT_EQ(service_->accounts().verify_password_change(Principal{"no-such-user", "ghost", "s", nullptr}, "password123",
                                             "new-password-1")
                .error(),
            AuthError::session_ended);

  auto change = service_->accounts().verify_password_change(who(a), "password123", "new-password-1");
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->session_id(), a.session_id);
  EXPECT_TRUE(crypto::verify_password(change->new_hash(), "new-password-1"));
  // Nothing written yet: the old password still works, no session ended.
  EXPECT_TRUE(service_->authenticator().authenticate(b.access_token).has_value());
  EXPECT_TRUE(crypto::verify_password(store_->users().find_by_name("alice")->password_hash, "password123"));

  EXPECT_EQ(service_->accounts().complete_password_change(std::move(*change), {}).value(), 1u);
  EXPECT_TRUE(service_->authenticator().authenticate(a.access_token).has_value());
  EXPECT_EQ(service_->authenticator().authenticate(b.access_token).error(), AuthError::session_ended);
  EXPECT_EQ(service_->logins().login("alice", "password123", {}).error(), AuthError::invalid_credentials);
  EXPECT_TRUE(service_->logins().login("alice", "new-password-1", {}).has_value());
}
