// FakeStore (fake_store.hpp): a few of the contracts the auth jobs rely on,
// checked on the fake and on SQLite alike (FakeStore/FakeStoreContract.*/fake
// and .../sqlite), its failure injection (FakeStore.*), and the auth jobs run
// on it (AuthOnFakeStore.*), where a store that fails on cue shows how each
// job takes an unavailable or a broken database.
#include "fake_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/key_bootstrap.hpp"
#include "auth/service.hpp"
#include "crypto/random.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"
#include "util/log.hpp"

using namespace latchkey;
using namespace latchkey::auth;
using latchkey::testing::FakeStore;
using store::EndReason;
using store::StoreError;

namespace {

constexpr UnixSeconds kStart = 1'800'000'000;

store::User user(std::string id, std::string name) {
  return store::User{std::move(id), name, "$hash", 100, name};
}

store::Session session(std::string id, std::string user_id, UnixSeconds created, UnixSeconds expires) {
  store::Session s;
  s.refresh_hash = "hash-" + id;
  s.id = std::move(id);
  s.user_id = std::move(user_id);
  s.created_at = created;
  s.last_used_at = created;
  s.expires_at = expires;
  return s;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// --- the contracts, on the fake and on SQLite ------------------------------------

enum class Backend { fake, sqlite };
void PrintTo(Backend b, std::ostream* os) { *os << (b == Backend::fake ? "fake" : "sqlite"); }

class FakeStoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    crypto::init();
    const bool info = log::enabled(log::Level::info);
    log::set_level(log::Level::warn);  // SQLite's migrations log at info
    if (GetParam() == Backend::fake) store_ = std::make_unique<FakeStore>();
    else store_ = std::make_unique<store::sqlite::SqliteStore>(dir_.file("contract.db"));
    if (info) log::set_level(log::Level::info);
    ASSERT_TRUE(db().users().create(user("u1", "alice")));
    ASSERT_TRUE(db().users().create(user("u2", "bob")));
  }

  store::Store& db() { return *store_; }

  latchkey::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(FakeStore, FakeStoreContract, ::testing::Values(Backend::fake, Backend::sqlite),
                         [](const ::testing::TestParamInfo<Backend>& param) {
                           return std::string(param.param == Backend::fake ? "fake" : "sqlite");
                         });

TEST_P(FakeStoreContract, ATakenUsernameKeyIsAConflict) {
  EXPECT_EQ(db().users().create(user("u3", "alice")).error(), StoreError::conflict);
  auto same_id = user("u1", "carol");
  EXPECT_EQ(db().users().create(same_id).error(), StoreError::conflict);
  EXPECT_EQ(db().users().find_by_name("alice")->id, "u1");
  EXPECT_EQ(db().users().find_by_name("carol").error(), StoreError::not_found);
  EXPECT_EQ(db().users().find_by_id("u3").error(), StoreError::not_found);
  EXPECT_EQ(db().users().set_password_hash("u3", "$other").error(), StoreError::not_found);
}

TEST_P(FakeStoreContract, SessionsNeedAnEnabledUser) {
  EXPECT_EQ(db().sessions().create(session("s1", "ghost", 1000, 9000)).error(), StoreError::not_found);
  ASSERT_TRUE(db().admin().disable_user("u2", 500));
  EXPECT_EQ(db().sessions().create(session("s1", "u2", 1000, 9000)).error(), StoreError::not_found);
  ASSERT_TRUE(db().sessions().create(session("s1", "u1", 1000, 9000)));
  EXPECT_EQ(db().sessions().create(session("s1", "u1", 1000, 9000)).error(), StoreError::conflict);
  auto both = db().sessions().find_with_user("s1").value();
  EXPECT_EQ(both.session.generation, 0);
  ASSERT_TRUE(both.user.has_value());
  EXPECT_EQ(both.user->username, "alice");
}

TEST_P(FakeStoreContract, RotateRefreshIsACompareAndSet) {
  ASSERT_TRUE(db().sessions().create(session("s1", "u1", 1000, 9000)));
  EXPECT_TRUE(db().sessions().rotate_refresh({"s1", 0, "hash-s1", "h1", 2000}).value());
  // The loser of a race holds the same generation and digest: false, not an error.
  EXPECT_FALSE(db().sessions().rotate_refresh({"s1", 0, "hash-s1", "h1-other", 2000}).value());
  EXPECT_FALSE(db().sessions().rotate_refresh({"s1", 1, "wrong", "h2", 2001}).value());
  EXPECT_FALSE(db().sessions().rotate_refresh({"nope", 0, "hash-nope", "h2", 2001}).value());
  const auto s = db().sessions().find("s1").value();
  EXPECT_EQ(s.generation, 1);
  EXPECT_EQ(s.refresh_hash, "h1");
  EXPECT_EQ(s.prev_refresh_hash, "hash-s1");
  EXPECT_EQ(s.rotated_at, 2000);
  EXPECT_EQ(s.last_used_at, 2000);
  ASSERT_TRUE(db().sessions().revoke("s1", "u1", 2500, EndReason::logout));
  EXPECT_FALSE(db().sessions().rotate_refresh({"s1", 1, "h1", "h2", 3000}).value());  // ended
  EXPECT_EQ(db().sessions().find("s1")->generation, 1);
}

TEST_P(FakeStoreContract, RevokeEndsOnlyLiveSessionsOfThatUser) {
  ASSERT_TRUE(db().sessions().create(session("a1", "u1", 1000, 9000)));
  ASSERT_TRUE(db().sessions().create(session("a2", "u1", 1100, 9000)));
  ASSERT_TRUE(db().sessions().create(session("a3", "u1", 1200, 9000)));
  ASSERT_TRUE(db().sessions().create(session("old", "u1", 100, 2000)));
  ASSERT_TRUE(db().sessions().create(session("b1", "u2", 1000, 9000)));
  EXPECT_EQ(db().sessions().revoke("a1", "u2", 3000, EndReason::logout).error(), StoreError::not_found);
  EXPECT_EQ(db().sessions().revoke("old", "u1", 3000, EndReason::logout).error(), StoreError::not_found);
  ASSERT_TRUE(db().sessions().revoke("a1", "u1", 3000, EndReason::logout));
  EXPECT_EQ(db().sessions().revoke("a1", "u1", 3001, EndReason::logout).error(), StoreError::not_found);
  EXPECT_EQ(db().sessions().find("a1")->end_reason, "logout");
  auto ended = db().sessions().revoke_all_of("u1", std::string_view("a3"), 3500, EndReason::logout_others);
  EXPECT_EQ(sorted(ended.value()), std::vector<std::string>{"a2"});  // not a1 (ended), old (expired), a3 (kept)
  EXPECT_EQ(db().sessions().find("a2")->end_reason, "logout_others");
  EXPECT_EQ(db().sessions().revoke_all_of("u1", std::nullopt, 3600, EndReason::logout_all).value(),
            std::vector<std::string>{"a3"});
  EXPECT_FALSE(db().sessions().find("b1")->revoked_at.has_value());
  auto revoked = db().sessions().list_revoked_since(3500).value();
  std::vector<std::string> ids;
  for (const auto& r : revoked) ids.push_back(r.id);
  EXPECT_EQ(sorted(ids), (std::vector<std::string>{"a2", "a3"}));
}

TEST_P(FakeStoreContract, ListLiveIsNewestFirst) {
  std::int64_t seq = 1'700'000'000'000'000;
  for (const char* id : {"zz", "aa", "mm"}) {  // one second, ordered by created_seq
    auto s = session(id, "u1", 1000, 9000);
    s.created_seq = ++seq;
    ASSERT_TRUE(db().sessions().create(s));
  }
  ASSERT_TRUE(db().sessions().create(session("newer", "u1", 1500, 9000)));
  ASSERT_TRUE(db().sessions().create(session("idle", "u1", 500, 9000)));
  ASSERT_TRUE(db().sessions().create(session("bobs", "u2", 1800, 9000)));
  const auto live = db().sessions().list_live("u1", 2000, 900).value();
  std::vector<std::string> ids;
  for (const auto& s : live) ids.push_back(s.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"newer", "mm", "aa", "zz"}));
  EXPECT_EQ(db().sessions().count_live(2000, 0).value(), 6);
}

TEST_P(FakeStoreContract, TheFirstSecretAndSignerStay) {
  EXPECT_EQ(db().keys().ensure_secret("chain", "first", 100).value(), "first");
  EXPECT_EQ(db().keys().ensure_secret("chain", "second", 200).value(), "first");
  const store::StoredKey es{"k1", "ES256", "bWF0ZXJpYWw", 100, 100, std::nullopt};
  EXPECT_TRUE(db().keys().install_signer(es, 100, "RS256").value());
  EXPECT_FALSE(db().keys().install_signer({"k2", "ES256", "bWF0ZXJpYWw", 200, 200, std::nullopt}, 200, "RS256").value());
  // Another algorithm's key beside it (the ID-token key) ...
  EXPECT_TRUE(db().keys().install_signer({"r1", "RS256", "bWF0ZXJpYWw", 250, 250, std::nullopt}, 250, "ES256").value());
  // ... and a change of algorithm retires the keys of neither.
  EXPECT_TRUE(db().keys().install_signer({"k3", "HS256", "bWF0ZXJpYWw", 300, 300, std::nullopt}, 300, "RS256").value());
  EXPECT_EQ(db().keys().add(es).error(), StoreError::conflict);
  auto keys = db().keys().list().value();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0].kid, "k3");
  EXPECT_EQ(keys[1].kid, "r1");
  EXPECT_FALSE(keys[1].retired_at);
  EXPECT_EQ(keys[2].retired_at, 300);
}

TEST_P(FakeStoreContract, AuditIsNewestFirstInPages) {
  std::vector<store::AuditEvent> events;
  for (int i = 0; i < 5; ++i) {
    store::AuditEvent e;
    e.id = "e" + std::to_string(i);
    e.at = 1000 + i / 2;  // two per second, told apart by seq
    e.seq = e.at * 1'000'000 + i;
    e.event = "login";
    e.actor = "user";
    e.username_key = i % 2 ? "bob" : "alice";
    events.push_back(e);
  }
  ASSERT_TRUE(db().audit().append(events));
  auto page = db().audit().list({std::nullopt, 2, std::nullopt}).value();
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].id, "e4");
  EXPECT_EQ(page[1].id, "e3");
  page = db().audit().list({std::nullopt, 10, std::pair(page[1].at, page[1].seq)}).value();
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[0].id, "e2");
  EXPECT_EQ(db().audit().list({"bob", 10, std::nullopt})->size(), 2u);
  EXPECT_EQ(db().audit().prune(1002, 0, 10).value(), 4u);
  EXPECT_EQ(db().audit().list({std::nullopt, 10, std::nullopt})->size(), 1u);
}

TEST_P(FakeStoreContract, ADeletedUserKeepsItsRecentRevocations) {
  ASSERT_TRUE(db().sessions().create(session("s1", "u1", 1000, 9000)));
  ASSERT_TRUE(db().sessions().create(session("s2", "u1", 1000, 9000)));
  ASSERT_TRUE(db().sessions().revoke("s1", "u1", 1500, EndReason::logout));
  EXPECT_EQ(db().admin().delete_user("u1", 2000, 1600).value(), std::vector<std::string>{"s2"});
  EXPECT_EQ(db().sessions().find("s2").error(), StoreError::not_found);
  EXPECT_EQ(db().admin().delete_user("u1", 2000, 1600).error(), StoreError::not_found);
  auto kept = db().sessions().list_revoked_since(0).value();
  ASSERT_EQ(kept.size(), 1u);  // s1 ended before 1600
  EXPECT_EQ(kept[0].id, "s2");
  EXPECT_EQ(kept[0].revoked_at, 2000);
}

TEST_P(FakeStoreContract, EndingABrowserSessionEndsItsChildrenAndQueuesItsLogouts) {
  auto b = session("b1", "u1", 1000, 9000);
  b.kind = "browser";
  b.cookie_hash = "c1";
  ASSERT_TRUE(db().sessions().create(b));
  for (const char* id : {"o1", "o2"}) {
    auto o = session(id, "u1", 1100, 9000);
    o.kind = "oauth";
    o.client_id = "app";
    o.parent_id = "b1";
    ASSERT_TRUE(db().sessions().create(o));
  }
  ASSERT_TRUE(db().sessions().create(session("a1", "u1", 1000, 9000)));
  ASSERT_TRUE(db().logouts().note_client("b1", "app", "https://app.example/bc"));
  ASSERT_TRUE(db().logouts().note_client("b1", "quiet", ""));
  EXPECT_EQ(db().logouts().note_client("nope", "app", "x").error(), StoreError::not_found);
  EXPECT_EQ(db().sessions().find_by_cookie("c1")->session.id, "b1");
  ASSERT_TRUE(db().sessions().reauthenticate("b1", 1200, "pwd otp"));
  EXPECT_EQ(db().sessions().find("b1")->amr, "pwd otp");

  ASSERT_TRUE(db().sessions().revoke("b1", "u1", 2000, EndReason::logout));
  EXPECT_EQ(db().sessions().find("o1")->end_reason, "sso_logout");
  EXPECT_EQ(db().sessions().find("o2")->revoked_at, 2000);
  EXPECT_FALSE(db().sessions().find("a1")->revoked_at);
  auto due = db().logouts().due(2000, 10).value();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].client_id, "app");
  EXPECT_EQ(due[0].session_id, "b1");
  EXPECT_EQ(due[0].user_id, "u1");
  EXPECT_EQ(due[0].next_attempt_at, 2000);
  ASSERT_TRUE(db().logouts().failed(due[0].id, 2100, "timeout"));
  EXPECT_TRUE(db().logouts().due(2000, 10)->empty());
  ASSERT_TRUE(db().logouts().delivered(due[0].id, 2100));
  EXPECT_EQ(db().logouts().list(10)->at(0).attempts, 2);
  EXPECT_EQ(db().logouts().prune(2101).value(), 1);
  EXPECT_TRUE(db().logouts().list(10)->empty());
}

TEST_P(FakeStoreContract, ChildrenEndedWithTheirParentByOneStatementKeepItsReason) {
  auto b = session("b1", "u1", 1000, 9000);
  b.kind = "browser";
  ASSERT_TRUE(db().sessions().create(b));
  auto o = session("o1", "u1", 1100, 9000);
  o.kind = "oauth";
  o.parent_id = "b1";
  ASSERT_TRUE(db().sessions().create(o));
  ASSERT_TRUE(db().logouts().note_client("b1", "app", "https://app.example/bc"));
  EXPECT_EQ(sorted(db().sessions().revoke_all_of("u1", std::nullopt, 2000, EndReason::logout_all).value()),
            (std::vector<std::string>{"b1", "o1"}));
  EXPECT_EQ(db().sessions().find("o1")->end_reason, "logout_all");
  EXPECT_EQ(db().logouts().list(10)->size(), 1u);
  ASSERT_TRUE(db().admin().delete_user("u1", 2100, 0));
  EXPECT_EQ(db().logouts().list(10)->size(), 1u);  // outlives the user
}

TEST_P(FakeStoreContract, CodesRedeemOnce) {
  store::AuthorizationCode c;
  c.code_hash = "h1";
  c.client_id = "app";
  c.user_id = "u1";
  c.created_at = 1000;
  c.expires_at = 1060;
  ASSERT_TRUE(db().codes().add(c));
  EXPECT_EQ(db().codes().add(c).error(), StoreError::conflict);
  EXPECT_FALSE(db().codes().redeem("h1", 1010)->used_at);
  EXPECT_EQ(db().codes().set_issued("h1", "o1").value(), false);  // no replay so far
  auto again = db().codes().redeem("h1", 1020).value();
  EXPECT_EQ(again.used_at, 1010);
  EXPECT_EQ(again.issued_session_id, "o1");
  EXPECT_EQ(db().codes().redeem("h2", 1010).error(), StoreError::not_found);
  EXPECT_EQ(db().codes().prune(1061).value(), 1);
  EXPECT_EQ(db().codes().set_issued("h1", "o1").error(), StoreError::not_found);
}

TEST_P(FakeStoreContract, ConsentsAndAssertions) {
  ASSERT_TRUE(db().clients().add(store::OAuthClient{"app", "", "", "{}", 1, 1}));
  EXPECT_EQ(db().consents().grant({"ghost", "app", "openid", 1000}).error(), StoreError::not_found);
  EXPECT_EQ(db().consents().grant({"u1", "ghost", "openid", 1000}).error(), StoreError::not_found);
  ASSERT_TRUE(db().consents().grant({"u1", "app", "openid", 1000}));
  ASSERT_TRUE(db().consents().grant({"u1", "app", "email openid", 2000}));
  EXPECT_EQ(db().consents().find("u1", "app")->scope, "email openid");
  EXPECT_EQ(db().consents().list_for_user("u1")->size(), 1u);
  ASSERT_TRUE(db().clients().remove("app"));
  EXPECT_EQ(db().consents().find("u1", "app").error(), StoreError::not_found);
  EXPECT_EQ(db().consents().revoke("u1", "app").error(), StoreError::not_found);

  EXPECT_TRUE(db().assertions().first_use("k", 1000).value());
  EXPECT_FALSE(db().assertions().first_use("k", 1000).value());
  EXPECT_EQ(db().assertions().prune(1001).value(), 1);
  EXPECT_TRUE(db().assertions().first_use("k", 2000).value());
}

// --- the fake's own: failure injection, export and import --------------------------

TEST(FakeStore, FailNextFailsTheNextCallsOfAnyAggregateAndWritesNothing) {
  FakeStore fake;
  fake.fail_next(StoreError::unavailable, 2);
  EXPECT_EQ(fake.users().create(user("u1", "alice")).error(), StoreError::unavailable);
  EXPECT_EQ(fake.keys().list().error(), StoreError::unavailable);
  EXPECT_EQ(fake.users().find_by_name("alice").error(), StoreError::not_found);  // the create wrote nothing
  fake.fail_after(1, StoreError::failed);
  EXPECT_TRUE(fake.users().create(user("u1", "alice")).has_value());
  EXPECT_EQ(fake.database().ping().error(), StoreError::failed);
  EXPECT_TRUE(fake.database().ping().has_value());
  EXPECT_EQ(fake.calls(), 6);
}

TEST(FakeStore, ExportThenImportIntoAnEmptyStore) {
  FakeStore from;
  ASSERT_TRUE(from.users().create(user("u1", "alice")));
  ASSERT_TRUE(from.sessions().create(session("s1", "u1", 1000, 9000)));
  ASSERT_TRUE(from.sessions().revoke("s1", "u1", 2000, EndReason::logout));
  ASSERT_TRUE(from.keys().ensure_secret("chain", "v", 100));
  ASSERT_TRUE(from.keys().add({"k1", "HS256", "bWF0ZXJpYWw", 100, 100, std::nullopt}));
  const auto snap = from.database().export_all().value();
  FakeStore to;
  ASSERT_TRUE(to.database().import_all(snap));
  EXPECT_EQ(to.sessions().find("s1")->end_reason, "logout");  // an ended session keeps its end
  EXPECT_EQ(to.keys().ensure_secret("chain", "other", 200).value(), "v");
  EXPECT_EQ(to.keys().list()->size(), 1u);
  EXPECT_EQ(to.database().import_all(snap).error(), StoreError::conflict);  // not empty any more
  auto broken = snap;
  broken.sessions[0].user_id = "ghost";
  FakeStore empty;
  EXPECT_EQ(empty.database().import_all(broken).error(), StoreError::conflict);
  EXPECT_EQ(empty.users().find_by_id("u1").error(), StoreError::not_found);  // all or nothing
}

// --- the auth jobs on the fake -------------------------------------------------------

namespace {

class AuthOnFakeStore : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    service_ = make_service();
  }

  std::unique_ptr<Service> make_service() {
    Options o;
    o.issuer = "http://test";
    o.password = {1, 64 * 1024};  // cheap hashing: these tests are about the flows
    KeyPolicy kp;
    kp.alg = token::Alg::HS256;
    auto keys = load_signing_keys(fake_, kp, now_).value();
    auto secret = load_refresh_secret(fake_, now_).value();
    return std::make_unique<Service>(fake_, std::move(keys), secret, o, [this] { return now_; }, audit_);
  }

  TokenPair signup_and_login(const std::string& name) {
    EXPECT_TRUE(service_->accounts().signup(name, "password123").has_value());
    return login(name);
  }

  TokenPair login(const std::string& name) {
    auto t = service_->logins().login(name, "password123", Client{"ua", "10.0.0.1"});
    EXPECT_TRUE(t.has_value());
    return t.value_or(TokenPair{});
  }

  Principal who(const TokenPair& t) { return service_->authenticator().authenticate(t.access_token).value(); }

  store::Session stored(const TokenPair& t) { return fake_.sessions().find(t.session_id).value(); }

  FakeStore fake_;
  AuditLog audit_{fake_};
  UnixSeconds now_ = kStart;
  std::unique_ptr<Service> service_;
};

}  // namespace

TEST_F(AuthOnFakeStore, SignUpAndLogIn) {
  auto t = signup_and_login("Alice");
  auto p = service_->authenticator().authenticate(t.access_token);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->username, "Alice");
  EXPECT_EQ(p->session_id, t.session_id);
  EXPECT_EQ(stored(t).user_agent, "ua");
  EXPECT_EQ(service_->accounts().signup("ALICE", "password123").error(), AuthError::username_taken);
  EXPECT_EQ(service_->logins().login("alice", "wrong-password", {}).error(), AuthError::invalid_credentials);
  EXPECT_EQ(service_->logins().login("nobody", "password123", {}).error(), AuthError::invalid_credentials);
  EXPECT_EQ(service_->sessions().list(who(t))->size(), 1u);
  EXPECT_GT(audit_.flush(), 0u);
  EXPECT_EQ(fake_.audit().list({std::string("alice"), 10, std::nullopt})->front().event, "login_failed");
}

TEST_F(AuthOnFakeStore, RefreshRotatesTheToken) {
  auto t = signup_and_login("alice");
  now_ += 60;
  auto next = service_->sessions().refresh(t.refresh_token);
  ASSERT_TRUE(next.has_value());
  EXPECT_NE(next->refresh_token, t.refresh_token);
  EXPECT_EQ(who(*next).session_id, t.session_id);
  EXPECT_EQ(stored(t).generation, 1);
  EXPECT_EQ(stored(t).last_used_at, now_);
  now_ += 60;
  EXPECT_TRUE(service_->sessions().refresh(next->refresh_token).has_value());
  EXPECT_EQ(stored(t).generation, 2);
}

TEST_F(AuthOnFakeStore, ReuseOfASpentRefreshTokenEndsTheSession) {
  auto t = signup_and_login("alice");
  auto next = service_->sessions().refresh(t.refresh_token).value();
  now_ += service_->options().reuse_grace + 1;
  EXPECT_EQ(service_->sessions().refresh(t.refresh_token).error(), AuthError::token_reused);
  EXPECT_EQ(service_->authenticator().authenticate(next.access_token).error(), AuthError::session_ended);
  EXPECT_EQ(service_->sessions().refresh(next.refresh_token).error(), AuthError::session_ended);
  EXPECT_EQ(stored(t).end_reason, "reuse_detected");
}

TEST_F(AuthOnFakeStore, LogoutRefusesTheAccessToken) {
  auto a = signup_and_login("alice");
  auto b = login("alice");
  ASSERT_EQ(service_->sessions().logout(who(a), LogoutTarget{}).value(), a.session_id);
  EXPECT_EQ(service_->authenticator().authenticate(a.access_token).error(), AuthError::session_ended);
  EXPECT_EQ(service_->sessions().refresh(a.refresh_token).error(), AuthError::session_ended);
  EXPECT_TRUE(service_->authenticator().authenticate(b.access_token).has_value());
  EXPECT_EQ(stored(a).end_reason, "logout");
  // A restarted service learns it from the store.
  service_ = make_service();
  EXPECT_EQ(service_->load_revocations().value(), 1u);
  EXPECT_EQ(service_->authenticator().authenticate(a.access_token).error(), AuthError::session_ended);
  EXPECT_TRUE(service_->authenticator().authenticate(b.access_token).has_value());
}

// Every store call a login makes, failing in turn: unavailable, never internal.
TEST_F(AuthOnFakeStore, LoginWhileTheStoreIsUnavailable) {
  ASSERT_TRUE(service_->accounts().signup("alice", "password123"));
  const int before = fake_.calls();
  login("alice");
  const int calls = fake_.calls() - before;
  ASSERT_GT(calls, 0);
  for (int skip = 0; skip < calls; ++skip) {
    fake_.fail_after(skip, StoreError::unavailable);
    EXPECT_EQ(service_->logins().login("alice", "password123", {}).error(), AuthError::unavailable)
        << "store call " << skip + 1 << " of " << calls << " failed";
  }
  login("alice");  // back: no lock-out, no damage
  EXPECT_EQ(service_->counters().login_locked.load(), 0u);
}

TEST_F(AuthOnFakeStore, SignUpWhileTheStoreIsUnavailable) {
  fake_.fail_next(StoreError::unavailable);
  EXPECT_EQ(service_->accounts().signup("alice", "password123").error(), AuthError::unavailable);
  EXPECT_EQ(fake_.users().find_by_name("alice").error(), StoreError::not_found);
  signup_and_login("alice");  // back: the name was never taken
}

TEST_F(AuthOnFakeStore, AFailedStoreIsAnInternalError) {
  auto t = signup_and_login("alice");
  fake_.fail_next(StoreError::failed);
  EXPECT_EQ(service_->logins().login("alice", "password123", {}).error(), AuthError::internal);
  fake_.fail_next(StoreError::failed);
  EXPECT_EQ(service_->accounts().signup("bob", "password123").error(), AuthError::internal);
  fake_.fail_next(StoreError::failed);
  EXPECT_EQ(service_->sessions().refresh(t.refresh_token).error(), AuthError::internal);
  fake_.fail_next(StoreError::failed);
  EXPECT_EQ(service_->sessions().logout(who(t), LogoutTarget{}).error(), AuthError::internal);
  EXPECT_TRUE(service_->sessions().refresh(t.refresh_token).has_value());
}

// The read of the session (call 1) or the compare-and-set (call 2) unavailable:
// nothing changes, and the same refresh token works once the store is back.
TEST_F(AuthOnFakeStore, ARefreshWhileUnavailableLeavesTheSessionUsable) {
  auto t = signup_and_login("alice");
  for (int skip = 0; skip < 2; ++skip) {
    now_ += 60;
    fake_.fail_after(skip, StoreError::unavailable);
    EXPECT_EQ(service_->sessions().refresh(t.refresh_token).error(), AuthError::unavailable) << "call " << skip + 1;
    const auto s = stored(t);
    EXPECT_FALSE(s.revoked_at.has_value());
    EXPECT_EQ(s.generation, skip);
    EXPECT_TRUE(service_->authenticator().authenticate(t.access_token).has_value());
    now_ += 60;  // the retry comes later
    auto next = service_->sessions().refresh(t.refresh_token);
    ASSERT_TRUE(next.has_value()) << "call " << skip + 1;
    EXPECT_EQ(stored(t).generation, skip + 1);
    t = *next;
  }
  EXPECT_EQ(service_->counters().refresh_reuse_detected.load(), 0u);
  EXPECT_TRUE(service_->sessions().refresh(t.refresh_token).has_value());
}

TEST_F(AuthOnFakeStore, ReuseDetectedWhileUnavailableEndsTheSessionOnTheNextTry) {
  auto t = signup_and_login("alice");
  auto next = service_->sessions().refresh(t.refresh_token).value();
  now_ += service_->options().reuse_grace + 1;
  fake_.fail_after(1, StoreError::unavailable);  // the read works, the revocation does not
  EXPECT_EQ(service_->sessions().refresh(t.refresh_token).error(), AuthError::unavailable);
  EXPECT_FALSE(stored(t).revoked_at.has_value());
  EXPECT_EQ(service_->sessions().refresh(t.refresh_token).error(), AuthError::token_reused);
  EXPECT_EQ(service_->authenticator().authenticate(next.access_token).error(), AuthError::session_ended);
}

TEST_F(AuthOnFakeStore, LogoutWhileUnavailableEndsNothing) {
  auto t = signup_and_login("alice");
  fake_.fail_next(StoreError::unavailable);
  EXPECT_EQ(service_->sessions().logout(who(t), LogoutTarget{}).error(), AuthError::unavailable);
  EXPECT_TRUE(service_->authenticator().authenticate(t.access_token).has_value());
  EXPECT_TRUE(service_->sessions().logout(who(t), LogoutTarget{}).has_value());
  EXPECT_EQ(service_->authenticator().authenticate(t.access_token).error(), AuthError::session_ended);
}

TEST_F(AuthOnFakeStore, IntrospectionFollowsTheStore) {
  auto t = signup_and_login("alice");
  auto& intro = service_->introspection();
  EXPECT_TRUE(intro.introspect(t.access_token)->active);
  EXPECT_TRUE(intro.introspect(t.refresh_token)->active);
  fake_.fail_next(StoreError::unavailable);
  EXPECT_EQ(intro.introspect(t.access_token).error(), AuthError::unavailable);
  ASSERT_TRUE(intro.revoke(t.refresh_token));
  EXPECT_EQ(stored(t).end_reason, "revoked");
  EXPECT_FALSE(intro.introspect(t.access_token)->active);
  EXPECT_FALSE(intro.introspect(t.refresh_token)->active);
}

// A password change is two writes (end the other sessions, then the new
// hash), each its own unit on a store without batching (PostgreSQL). Cut off
// between them, it must fail safe: the other sessions are over, the old
// password still works, and the change can simply be retried.
TEST_F(AuthOnFakeStore, PasswordChangeCutOffBetweenItsWritesFailsSafe) {
  auto a = signup_and_login("alice");
  auto b = login("alice");
  fake_.fail_after(2, StoreError::unavailable);  // find_by_id, revoke_all_of, then set_password_hash
  EXPECT_EQ(service_->accounts().change_password(who(a), "password123", "new-password-1").error(),
            AuthError::unavailable);
  EXPECT_EQ(service_->authenticator().authenticate(b.access_token).error(), AuthError::session_ended);
  EXPECT_FALSE(service_->sessions().refresh(b.refresh_token).has_value());
  EXPECT_TRUE(service_->authenticator().authenticate(a.access_token).has_value());  // the caller's own stays
  EXPECT_TRUE(service_->accounts().change_password(who(a), "password123", "new-password-1").has_value());  // the retry
  EXPECT_TRUE(service_->logins().login("alice", "new-password-1", {}).has_value());
}
