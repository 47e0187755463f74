// SessionStore: sessions, refresh rotation and revocation (watching: session_watch_test.cpp).
// Every test runs on SQLite and on PostgreSQL (store_fixture.hpp).
#include "store_fixture.hpp"

#include <atomic>
#include <functional>

#include "util/batch_hooks.hpp"

namespace latchkey::store_test {
namespace {

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

class SessionStoreTest : public StoreTest {};

}  // namespace

TEST_P(SessionStoreTest, SessionKeepsEveryFieldItWasCreatedWith) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  auto s = session("s1", "u1", 1000, 5000, "h0");
  s.last_used_at = 1001;
  s.user_agent = "Mozilla/5.0 \xc3\xbc \xe6\x97\xa5\xe6\x9c\xac";
  s.ip = "2001:db8::1";
  s.created_seq = 1700000000123456;
  ASSERT_TRUE(db().sessions().create(s));
  const Session got = db().sessions().find("s1").value();
  Session want = s;  // a new session: never rotated, not ended
  EXPECT_EQ(show(got), show(want));
  EXPECT_EQ(db().sessions().create(session("s1", "u1", 1000, 5000, "other")).error(), StoreError::conflict);
  EXPECT_EQ(db().sessions().create(session("s2", "u1", 1000, 5000, "h0")).error(), StoreError::conflict);
}

TEST_P(SessionStoreTest, SessionAndUserAreReadTogether) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  auto s = session("s1", "u1", 1000, 5000, "h0");
  s.user_agent = "agent";
  ASSERT_TRUE(db().sessions().create(s));
  auto both = db().sessions().find_with_user("s1");
  ASSERT_TRUE(both);
  EXPECT_EQ(show(both->session), show(db().sessions().find("s1").value()));
  ASSERT_TRUE(both->user.has_value());
  EXPECT_EQ(both->user->id, "u1");
  EXPECT_EQ(both->user->username, "alice");
  EXPECT_EQ(both->user->password_hash, db().users().find_by_id("u1")->password_hash);
  EXPECT_FALSE(both->user->disabled_at.has_value());
  ASSERT_TRUE(db().admin().disable_user("u1", 2000));
  EXPECT_EQ(db().sessions().find_with_user("s1")->user->disabled_at, 2000);
  EXPECT_EQ(db().sessions().find_with_user("nope").error(), StoreError::not_found);
}

TEST_P(SessionStoreTest, SessionsOfAnUnknownUserAreRefused) {
  EXPECT_EQ(db().sessions().create(session("s1", "ghost", 100, 9000)).error(), StoreError::not_found);
}

TEST_P(SessionStoreTest, SessionsAndRevocation) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  ASSERT_TRUE(db().users().create(user("u2", "bob")));
  ASSERT_TRUE(db().sessions().create(session("s1", "u1", 1000, 5000)));
  ASSERT_TRUE(db().sessions().create(session("s2", "u1", 2000, 5000, "hash2")));
  EXPECT_EQ(db().sessions().find("s2")->refresh_hash, "hash2");
  EXPECT_EQ(db().sessions().find("s2")->generation, 0);
  EXPECT_EQ(db().sessions().find("nope").error(), StoreError::not_found);

  // Another user cannot end it; the owner can, once.
  EXPECT_EQ(db().sessions().revoke("s1", "u2", 3000, EndReason::logout).error(), StoreError::not_found);
  EXPECT_TRUE(db().sessions().revoke("s1", "u1", 3000, EndReason::logout).has_value());
  EXPECT_EQ(db().sessions().revoke("s1", "u1", 3001, EndReason::logout).error(), StoreError::not_found);
  EXPECT_EQ(db().sessions().find("s1")->revoked_at, 3000);
  EXPECT_EQ(db().sessions().find("s1")->end_reason, "logout");
  EXPECT_FALSE(db().sessions().find("s2")->revoked_at.has_value());
  EXPECT_EQ(db().sessions().find("s2")->end_reason, "");
  // An expired session is already over: nothing to end.
  EXPECT_EQ(db().sessions().revoke("s2", "u1", 5000, EndReason::logout).error(), StoreError::not_found);
  EXPECT_EQ(db().sessions().revoke("nope", "u1", 3000, EndReason::logout).error(), StoreError::not_found);

  auto revoked = db().sessions().list_revoked_since(2500).value();
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(revoked[0].id, "s1");
  EXPECT_TRUE(db().sessions().list_revoked_since(3001)->empty());
}

TEST_P(SessionStoreTest, LiveSessionsNewestFirstWithoutEndedOrExpired) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  ASSERT_TRUE(db().users().create(user("u2", "bob")));
  ASSERT_TRUE(db().sessions().create(session("old", "u1", 1000, 9000)));
  ASSERT_TRUE(db().sessions().create(session("new", "u1", 2000, 9000)));
  ASSERT_TRUE(db().sessions().create(session("expired", "u1", 1500, 2500)));
  ASSERT_TRUE(db().sessions().create(session("ended", "u1", 1700, 9000)));
  ASSERT_TRUE(db().sessions().create(session("idle", "u1", 500, 9000)));
  ASSERT_TRUE(db().sessions().create(session("bobs", "u2", 1800, 9000)));
  ASSERT_TRUE(db().sessions().revoke("ended", "u1", 2600, EndReason::logout));
  auto live = db().sessions().list_live("u1", 3000, 900).value();
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0].id, "new");
  EXPECT_EQ(live[1].id, "old");
  EXPECT_EQ(live[0].user_agent, "ua");
  EXPECT_EQ(db().sessions().list_live("u1", 3000, 0)->size(), 3u);  // "idle" counts without an idle limit
  // Bounds: expires_at is the first second it is over; used exactly at idle_since is not idle.
  EXPECT_EQ(ids(db().sessions().list_live("u1", 2499, 1000).value()), (std::vector<std::string>{"new", "expired", "old"}));
  EXPECT_EQ(ids(db().sessions().list_live("u1", 2500, 1000).value()), (std::vector<std::string>{"new", "old"}));
  EXPECT_TRUE(db().sessions().list_live("nobody", 3000, 0)->empty());
}

TEST_P(SessionStoreTest, CountLiveSessionsCountsEveryUserAsListingDoes) {
  EXPECT_EQ(db().sessions().count_live(3000, 0).value(), 0);
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  ASSERT_TRUE(db().users().create(user("u2", "bob")));
  ASSERT_TRUE(db().sessions().create(session("old", "u1", 1000, 9000)));
  ASSERT_TRUE(db().sessions().create(session("expired", "u1", 1500, 2500)));
  ASSERT_TRUE(db().sessions().create(session("ended", "u1", 1700, 9000)));
  ASSERT_TRUE(db().sessions().create(session("idle", "u1", 500, 9000)));
  ASSERT_TRUE(db().sessions().create(session("bobs", "u2", 1800, 9000)));
  ASSERT_TRUE(db().sessions().revoke("ended", "u1", 2600, EndReason::logout));
  EXPECT_EQ(db().sessions().count_live(3000, 900).value(), 2);  // old, bobs
  EXPECT_EQ(db().sessions().count_live(3000, 0).value(), 3);    // and idle
  EXPECT_EQ(db().sessions().count_live(2499, 0).value(), 4);    // and expired, not yet over
}

TEST_P(SessionStoreTest, SameSecondSessionsListNewestFirst) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  std::int64_t seq = 1700000000000000;
  for (const char* id : {"zz", "aa", "mm"}) {
    auto s = session(id, "u1", 1000, 9000);
    s.created_seq = ++seq;
    ASSERT_TRUE(db().sessions().create(s));
  }
  auto live = db().sessions().list_live("u1", 2000, 0).value();
  EXPECT_EQ(ids(live), (std::vector<std::string>{"mm", "aa", "zz"}));
}

TEST_P(SessionStoreTest, TouchNeverMovesLastUseBackwards) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  ASSERT_TRUE(db().sessions().create(session("s1", "u1", 1000, 9000)));
  ASSERT_TRUE(db().sessions().create(session("s2", "u1", 1000, 9000)));
  ASSERT_TRUE(db().sessions().touch(std::vector<Usage>{{"s1", 4000}, {"missing", 4000}, {"s2", 1500}}).has_value());
  EXPECT_EQ(db().sessions().find("s1")->last_used_at, 4000);
  EXPECT_EQ(db().sessions().find("s2")->last_used_at, 1500);
  ASSERT_TRUE(db().sessions().touch(std::vector<Usage>{{"s1", 3000}, {"s2", 2000}}).has_value());
  EXPECT_EQ(db().sessions().find("s1")->last_used_at, 4000);
  EXPECT_EQ(db().sessions().find("s2")->last_used_at, 2000);
  EXPECT_TRUE(db().sessions().touch({}).has_value());
}

// Two instances flushing usage batches that share sessions, in opposite
// orders (each instance's order is its hash map's): every batch is written.
// A failed batch stops its thread, so a deadlock (PostgreSQL detects one
// after deadlock_timeout, 1 s by default) costs about a second, not more.
TEST_P(SessionStoreTest, ConcurrentTouchBatchesThroughTwoInstancesAllSucceed) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  std::vector<std::string> sids;
  for (int i = 0; i < 40; ++i) {
    sids.push_back(std::string("s").append(std::to_string(i)));
    ASSERT_TRUE(db().sessions().create(session(sids.back(), "u1", 1000, 9000)));
  }
  auto second = open_again();
  constexpr int kRounds = 5;
  std::atomic<int> written{0};
  std::mutex m;
  std::vector<std::string> errors;
  run_threads(2, 30s, [&](int t) {
    Store& s = t ? db() : *second;
    for (int round = 0; round < kRounds; ++round) {
      std::vector<Usage> batch;
      for (const auto& id : sids) batch.push_back(Usage{id, 2000 + round * 10 + t});
      if (t) std::reverse(batch.begin(), batch.end());
      if (auto r = s.sessions().touch(batch); !r) {
        std::lock_guard lock(m);
        errors.push_back("instance " + std::to_string(t) + " round " + std::to_string(round) + ": " +
                         std::string(describe(r.error())));
        return;
      }
      ++written;
    }
  });
  EXPECT_TRUE(errors.empty()) << "usage batches failed (their last-use times are lost): "
                              << ::testing::PrintToString(errors);
  if (!errors.empty()) return;
  EXPECT_EQ(written.load(), 2 * kRounds);
  for (const auto& id : sids) {
    ASSERT_EQ(db().sessions().find(id)->last_used_at, 2000 + (kRounds - 1) * 10 + 1) << id;
  }
}

TEST_P(SessionStoreTest, RotationIsACompareAndSet) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  ASSERT_TRUE(db().sessions().create(session("s1", "u1", 1000, 9000, "h0")));
  EXPECT_TRUE(db().sessions().rotate_refresh(Rotation{"s1", 0, "h0", "h1", 1100}).value());
  EXPECT_FALSE(db().sessions().rotate_refresh(Rotation{"s1", 0, "h0", "h1b", 1101}).value());  // lost the race
  EXPECT_FALSE(db().sessions().rotate_refresh(Rotation{"s1", 1, "wrong", "h2", 1102}).value());  // not its token
  EXPECT_FALSE(db().sessions().rotate_refresh(Rotation{"nope", 0, "h0", "h1", 1100}).value());
  auto s = db().sessions().find("s1").value();
  EXPECT_EQ(s.generation, 1);
  EXPECT_EQ(s.refresh_hash, "h1");
  EXPECT_EQ(s.prev_refresh_hash, "h0");
  EXPECT_EQ(s.rotated_at, 1100);
  EXPECT_EQ(s.last_used_at, 1100);
  ASSERT_TRUE(db().sessions().revoke("s1", "u1", 1200, EndReason::logout));
  EXPECT_FALSE(db().sessions().rotate_refresh(Rotation{"s1", 1, "h1", "h2", 1300}).value());  // ended
  EXPECT_EQ(db().sessions().find("s1")->generation, 1);
}

TEST_P(SessionStoreTest, ConcurrentRotationsOfOneGenerationLeaveOneWinner) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  ASSERT_TRUE(db().sessions().create(session("s1", "u1", 1000, 9000, "h0")));
  std::atomic<int> won{0}, lost{0}, failed{0};
  std::mutex m;
  std::string winner;
  run_threads(50, 20s, [&](int i) {
    const std::string next = std::to_string(1000 + i);
    auto r = db().sessions().rotate_refresh(Rotation{"s1", 0, "h0", next, 1100});
    if (!r) ++failed;
    else if (!*r) ++lost;
    else {
      ++won;
      std::lock_guard lock(m);
      winner = next;
    }
  });
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), 49);
  EXPECT_EQ(failed.load(), 0);
  auto s = db().sessions().find("s1").value();
  EXPECT_EQ(s.generation, 1);
  EXPECT_EQ(s.refresh_hash, winner);
  EXPECT_EQ(s.prev_refresh_hash, "h0");
}

TEST_P(SessionStoreTest, ConcurrentRotationsThroughTwoInstancesLeaveOneWinner) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  ASSERT_TRUE(db().sessions().create(session("s1", "u1", 1000, 9000, "h0")));
  auto second = open_again();
  std::atomic<int> won{0}, failed{0};
  run_threads(50, 20s, [&](int i) {
    Store& s = i % 2 ? db() : *second;
    auto r = s.sessions().rotate_refresh(Rotation{"s1", 0, "h0", std::to_string(1000 + i), 1100});
    if (!r) ++failed;
    else if (*r) ++won;
  });
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(db().sessions().find("s1")->generation, 1);
}

TEST_P(SessionStoreTest, RevokeAllButOne) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  ASSERT_TRUE(db().users().create(user("u2", "bob")));
  for (const char* id : {"a", "b", "c"}) ASSERT_TRUE(db().sessions().create(session(id, "u1", 1000, 9000)));
  ASSERT_TRUE(db().sessions().create(session("bob1", "u2", 1000, 9000)));
  auto ended = db().sessions().revoke_all_of("u1", std::string_view("b"), 2000, EndReason::logout_others).value();
  EXPECT_EQ(sorted(ended), (std::vector<std::string>{"a", "c"}));
  EXPECT_FALSE(db().sessions().find("b")->revoked_at.has_value());
  EXPECT_FALSE(db().sessions().find("bob1")->revoked_at.has_value());
  EXPECT_EQ(db().sessions().revoke_all_of("u1", std::nullopt, 2001, EndReason::logout_all).value(),
            (std::vector<std::string>{"b"}));
  EXPECT_TRUE(db().sessions().list_live("u1", 2002, 0)->empty());
}

TEST_P(SessionStoreTest, RevokeUserSessionsReturnsExactlyTheSessionsItEnded) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  ASSERT_TRUE(db().users().create(user("u2", "bob")));
  for (const char* id : {"live1", "live2", "keep", "gone", "expired"})
    ASSERT_TRUE(db().sessions().create(session(id, "u1", 1000, std::string_view(id) == "expired" ? 1500 : 9000)));
  ASSERT_TRUE(db().sessions().create(session("bobs", "u2", 1000, 9000)));
  ASSERT_TRUE(db().sessions().revoke("gone", "u1", 1200, EndReason::logout));

  auto ended = db().sessions().revoke_all_of("u1", std::string_view("keep"), 2000, EndReason::password_change);
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(sorted(*ended), (std::vector<std::string>{"live1", "live2"}));
  for (const char* id : {"live1", "live2"}) {
    auto s = db().sessions().find(id).value();
    EXPECT_EQ(s.revoked_at, 2000) << id;
    EXPECT_EQ(s.end_reason, "password_change") << id;
  }
  // Earlier ends keep their own time and reason; the rest are untouched.
  EXPECT_EQ(db().sessions().find("gone")->revoked_at, 1200);
  EXPECT_EQ(db().sessions().find("gone")->end_reason, "logout");
  EXPECT_FALSE(db().sessions().find("expired")->revoked_at.has_value());
  EXPECT_FALSE(db().sessions().find("keep")->revoked_at.has_value());
  EXPECT_FALSE(db().sessions().find("bobs")->revoked_at.has_value());

  // Nothing left to end: empty, not an error.
  EXPECT_EQ(db().sessions().revoke_all_of("u1", std::string_view("keep"), 2100, EndReason::logout_others).value(),
            std::vector<std::string>{});
  EXPECT_EQ(db().sessions().revoke_all_of("nobody", std::nullopt, 2100, EndReason::logout_all).value(),
            std::vector<std::string>{});
  // `keep` naming another user's session keeps nothing of this one's.
  EXPECT_EQ(db().sessions().revoke_all_of("u1", std::string_view("bobs"), 2200, EndReason::session_limit).value(),
            std::vector<std::string>{"keep"});
  EXPECT_EQ(db().sessions().find("keep")->end_reason, "session_limit");
}

TEST_P(SessionStoreTest, ListRevokedSinceReturnsEveryEndFromThatSecond) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  ASSERT_TRUE(db().users().create(user("u2", "bob")));
  for (const char* id : {"a", "b", "c", "d", "live"}) ASSERT_TRUE(db().sessions().create(session(id, "u1", 1000, 9000)));
  ASSERT_TRUE(db().sessions().create(session("bobs", "u2", 1000, 9000)));
  ASSERT_TRUE(db().sessions().revoke("a", "u1", 2000, EndReason::logout));
  ASSERT_TRUE(db().sessions().revoke("b", "u1", 3000, EndReason::revoked));
  ASSERT_TRUE(db().sessions().revoke("bobs", "u2", 3000, EndReason::reuse_detected));
  ASSERT_TRUE(db().sessions().revoke_all_of("u1", std::string_view("live"), 4000, EndReason::logout_others));

  auto as_text = [](const std::vector<RevokedSession>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.id + "@" + std::to_string(r.revoked_at));
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(as_text(db().sessions().list_revoked_since(0).value()),
            (std::vector<std::string>{"a@2000", "b@3000", "bobs@3000", "c@4000", "d@4000"}));
  EXPECT_EQ(as_text(db().sessions().list_revoked_since(3000).value()),  // inclusive
            (std::vector<std::string>{"b@3000", "bobs@3000", "c@4000", "d@4000"}));
  EXPECT_EQ(as_text(db().sessions().list_revoked_since(3001).value()), (std::vector<std::string>{"c@4000", "d@4000"}));
  EXPECT_TRUE(db().sessions().list_revoked_since(4001)->empty());
}

// --- browser and oauth sessions ----------------------------------------------------

TEST_P(SessionStoreTest, BrowserAndOAuthSessionsKeepTheirNewFields) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  auto b = browser_session("b1", "u1", 1000, 5000, "cookie-digest");
  b.auth_time = 990;
  b.amr = "pwd otp";
  auto o = oauth_session("o1", "u1", 1100, 6000, "app", "b1");
  o.scope = "openid email";
  o.amr = "pwd";
  ASSERT_TRUE(db().sessions().create(b));
  ASSERT_TRUE(db().sessions().create(o));
  EXPECT_EQ(show(db().sessions().find("b1").value()), show(b));
  EXPECT_EQ(show(db().sessions().find("o1").value()), show(o));
  EXPECT_EQ(show(db().sessions().find_with_user("o1")->session), show(o));
  auto live = db().sessions().list_live("u1", 2000, 0).value();
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(show(live[0]), show(o));
  EXPECT_EQ(show(live[1]), show(b));
  // An api session gets the defaults a migrated row has.
  ASSERT_TRUE(db().sessions().create(session("a1", "u1", 1200, 5000)));
  const Session a = db().sessions().find("a1").value();
  EXPECT_EQ(a.kind, "api");
  EXPECT_EQ(a.client_id, "");
  EXPECT_EQ(a.parent_id, "");
  EXPECT_EQ(a.cookie_hash, "");
  EXPECT_EQ(a.auth_time, 0);
  EXPECT_EQ(a.amr, "pwd");
  EXPECT_EQ(a.scope, "");
}

TEST_P(SessionStoreTest, CookieDigestsAreUniqueButEmptyOnesAreNot) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  ASSERT_TRUE(db().sessions().create(browser_session("b1", "u1", 1000, 5000, "c1")));
  EXPECT_EQ(db().sessions().create(browser_session("b2", "u1", 1000, 5000, "c1")).error(), StoreError::conflict);
  EXPECT_EQ(db().sessions().find("b2").error(), StoreError::not_found);
  for (const char* id : {"a1", "a2", "a3"}) ASSERT_TRUE(db().sessions().create(session(id, "u1", 1000, 5000)));
}

TEST_P(SessionStoreTest, FindByCookieFindsTheBrowserSessionAndItsUser) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  auto b = browser_session("b1", "u1", 1000, 5000, "c1");
  ASSERT_TRUE(db().sessions().create(b));
  ASSERT_TRUE(db().sessions().create(session("a1", "u1", 1000, 5000)));  // no cookie
  auto found = db().sessions().find_by_cookie("c1");
  ASSERT_TRUE(found);
  EXPECT_EQ(show(found->session), show(b));
  ASSERT_TRUE(found->user.has_value());
  EXPECT_EQ(found->user->username, "alice");
  EXPECT_EQ(db().sessions().find_by_cookie("c2").error(), StoreError::not_found);
  EXPECT_EQ(db().sessions().find_by_cookie("").error(), StoreError::not_found);  // api sessions have ""
  // Ended ones are found too (the caller checks), with the account's state.
  ASSERT_TRUE(db().sessions().revoke("b1", "u1", 2000, EndReason::logout));
  ASSERT_TRUE(db().admin().disable_user("u1", 2100));
  found = db().sessions().find_by_cookie("c1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->session.revoked_at, 2000);
  EXPECT_EQ(found->user->disabled_at, 2100);
  ASSERT_TRUE(db().admin().delete_user("u1", 2200, 0));
  EXPECT_EQ(db().sessions().find_by_cookie("c1").error(), StoreError::not_found);
}

TEST_P(SessionStoreTest, ReauthenticateSetsAuthTimeAndAmrOfALiveSession) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  ASSERT_TRUE(db().sessions().create(browser_session("b1", "u1", 1000, 5000, "c1")));
  ASSERT_TRUE(db().sessions().reauthenticate("b1", 1500, "pwd mfa"));
  Session b = db().sessions().find("b1").value();
  EXPECT_EQ(b.auth_time, 1500);
  EXPECT_EQ(b.amr, "pwd mfa");
  EXPECT_EQ(b.last_used_at, 1000);  // nothing else changes
  EXPECT_EQ(b.cookie_hash, "c1");
  EXPECT_EQ(db().sessions().reauthenticate("nope", 1600, "pwd").error(), StoreError::not_found);
  ASSERT_TRUE(db().sessions().revoke("b1", "u1", 2000, EndReason::logout));
  EXPECT_EQ(db().sessions().reauthenticate("b1", 2100, "pwd").error(), StoreError::not_found);
  EXPECT_EQ(db().sessions().find("b1")->auth_time, 1500);
}

TEST_P(SessionStoreTest, AChildNeedsALiveParent) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  ASSERT_TRUE(db().sessions().create(browser_session("b1", "u1", 1000, 9000, "c1")));
  EXPECT_EQ(db().sessions().create(oauth_session("o0", "u1", 1100, 9000, "app", "nope")).error(),
            StoreError::not_found);
  ASSERT_TRUE(db().sessions().create(oauth_session("o1", "u1", 1100, 9000, "app", "b1")));
  ASSERT_TRUE(db().sessions().revoke("b1", "u1", 2000, EndReason::logout));
  EXPECT_EQ(db().sessions().create(oauth_session("o2", "u1", 2100, 9000, "app", "b1")).error(),
            StoreError::not_found);
  EXPECT_EQ(db().sessions().find("o2").error(), StoreError::not_found);
  ASSERT_TRUE(db().sessions().create(oauth_session("o3", "u1", 2100, 9000, "app", "")));  // no parent
}

// A child created while its parent ends (the token endpoint racing a
// logout, through two instances): either the child is refused or it ends
// with its parent. Never a live child of an ended browser session.
TEST_P(SessionStoreTest, AChildRacingItsParentsEndNeverOutlivesIt) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  auto second = open_again();
  constexpr int kRounds = 40;
  int refused = 0;
  for (int i = 0; i < kRounds; ++i) {
    const std::string b = std::string("b").append(std::to_string(i));
    const std::string o = std::string("o").append(std::to_string(i));
    ASSERT_TRUE(db().sessions().create(browser_session(b, "u1", 1000, 9000, "cookie-" + b)));
    std::atomic<int> created{0};
    std::atomic<int> failed{0};
    run_threads(2, 20s, [&](int t) {
      if (t == 0) {
        if (!db().sessions().revoke(b, "u1", 2000, EndReason::logout)) ++failed;
      } else {
        auto r = second->sessions().create(oauth_session(o, "u1", 1100, 9000, "app", b));
        if (r) ++created;
        else if (r.error() != StoreError::not_found) ++failed;
      }
    });
    ASSERT_EQ(failed.load(), 0) << b;
    if (created.load() == 0) {
      ++refused;
      continue;
    }
    const Session child = db().sessions().find(o).value();
    ASSERT_TRUE(child.revoked_at.has_value()) << o << " outlived " << b;
    EXPECT_EQ(child.end_reason, "sso_logout");
  }
  std::printf("[          ] %s: %d of %d children refused, the rest ended with their parent\n",
              name_of(backend()).c_str(), refused, kRounds);
}

// --- ending a browser session (migration 9's trigger) -----------------------------

namespace {

constexpr UnixSeconds kEnd = 3000;

// u1's browser session b1 with oauth children o1, o2 and the clients noted
// in it (app and other with logout URIs, quiet without); b2 (another browser
// session of u1) with child o3 and app noted; an api session a1; bob's
// browser session with app noted.
void browser_family(Store& db) {
  ASSERT_TRUE(db.users().create(user("u1", "alice")));
  ASSERT_TRUE(db.users().create(user("u2", "bob")));
  ASSERT_TRUE(db.sessions().create(browser_session("b1", "u1", 1000, 9000, "c1")));
  ASSERT_TRUE(db.sessions().create(browser_session("b2", "u1", 1010, 9000, "c2")));
  ASSERT_TRUE(db.sessions().create(browser_session("bob", "u2", 1020, 9000, "c3")));
  ASSERT_TRUE(db.sessions().create(oauth_session("o1", "u1", 1100, 9000, "app", "b1")));
  ASSERT_TRUE(db.sessions().create(oauth_session("o2", "u1", 1110, 9000, "other", "b1")));
  ASSERT_TRUE(db.sessions().create(oauth_session("o3", "u1", 1120, 9000, "app", "b2")));
  ASSERT_TRUE(db.sessions().create(session("a1", "u1", 1200, 9000)));
  ASSERT_TRUE(db.logouts().note_client("b1", "app", "https://app.example/old"));
  ASSERT_TRUE(db.logouts().note_client("b1", "app", "https://app.example/bc"));  // the latest wins
  ASSERT_TRUE(db.logouts().note_client("b1", "other", "https://other.example/bc"));
  ASSERT_TRUE(db.logouts().note_client("b1", "quiet", ""));
  ASSERT_TRUE(db.logouts().note_client("b2", "app", "https://app.example/bc"));
  ASSERT_TRUE(db.logouts().note_client("bob", "app", "https://app.example/bc"));
}

// The deliveries queued, as "session client uri user created next attempts", sorted.
std::vector<std::string> queued(Store& db) {
  std::vector<std::string> out;
  const auto all = db.logouts().list(100).value();
  for (const auto& d : all) {
    out.push_back(d.session_id + " " + d.client_id + " " + d.logout_uri + " " + d.user_id + " " +
                  std::to_string(d.created_at) + " " + std::to_string(d.next_attempt_at) + " " +
                  std::to_string(d.attempts) + (d.delivered_at || d.gave_up_at || !d.last_error.empty() ? " !" : ""));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string ending(const Session& s) { return opt(s.revoked_at) + " " + s.end_reason; }

const std::vector<std::string> kB1Deliveries = {
    "b1 app https://app.example/bc u1 3000 3000 0",
    "b1 other https://other.example/bc u1 3000 3000 0",
};

}  // namespace

TEST_P(SessionStoreTest, EndingABrowserSessionEndsItsChildrenAndQueuesItsLogouts) {
  ASSERT_NO_FATAL_FAILURE(browser_family(db()));
  EXPECT_TRUE(db().logouts().list(100)->empty());
  ASSERT_TRUE(db().sessions().revoke("b1", "u1", kEnd, EndReason::logout));
  EXPECT_EQ(ending(db().sessions().find("b1").value()), "3000 logout");
  EXPECT_EQ(ending(db().sessions().find("o1").value()), "3000 sso_logout");
  EXPECT_EQ(ending(db().sessions().find("o2").value()), "3000 sso_logout");
  for (const char* live : {"b2", "o3", "a1", "bob"}) EXPECT_FALSE(db().sessions().find(live)->revoked_at) << live;
  // One delivery per noted client with a logout URI: not quiet, nothing of b2's or bob's.
  EXPECT_EQ(queued(db()), kB1Deliveries);
  // The children's ends are revocations like any other.
  auto revoked = db().sessions().list_revoked_since(kEnd).value();
  EXPECT_EQ(revoked.size(), 3u);
  // Ending a child alone, or an ended session again, queues nothing more.
  ASSERT_TRUE(db().sessions().revoke("o3", "u1", kEnd + 1, EndReason::revoked));
  EXPECT_FALSE(db().sessions().find("b2")->revoked_at);
  EXPECT_EQ(db().sessions().revoke("b1", "u1", kEnd + 2, EndReason::logout).error(), StoreError::not_found);
  EXPECT_EQ(queued(db()), kB1Deliveries);
}

// Every way a session ends runs the trigger: the user's own, an
// administrator's, reuse detection, a disabled or deleted account. Children
// ended by the same statement as their parent keep its reason.
TEST_P(SessionStoreTest, EveryWayOfEndingABrowserSessionQueuesItsLogouts) {
  struct Way {
    std::string name;
    std::function<void(Store&)> end;
    std::string child_reason;  // of o1 and o2
    bool rows_remain = true;
  };
  const std::vector<Way> ways = {
      {"revoke logout", [](Store& s) { ASSERT_TRUE(s.sessions().revoke("b1", "u1", kEnd, EndReason::logout)); },
       "sso_logout"},
      {"revoke admin", [](Store& s) { ASSERT_TRUE(s.sessions().revoke("b1", "u1", kEnd, EndReason::admin)); },
       "sso_logout"},
      {"revoke reuse_detected",
       [](Store& s) { ASSERT_TRUE(s.sessions().revoke("b1", "u1", kEnd, EndReason::reuse_detected)); }, "sso_logout"},
      {"revoke_all_of logout_all",
       [](Store& s) { ASSERT_EQ(s.sessions().revoke_all_of("u1", std::nullopt, kEnd, EndReason::logout_all)->size(), 6u); },
       "logout_all"},
      {"revoke_all_of admin",
       [](Store& s) { ASSERT_EQ(s.sessions().revoke_all_of("u1", std::nullopt, kEnd, EndReason::admin)->size(), 6u); },
       "admin"},
      // The kept session is a child of b1: it still ends with its parent.
      {"revoke_all_of keeping a child",
       [](Store& s) {
         ASSERT_EQ(s.sessions().revoke_all_of("u1", std::string_view("o1"), kEnd, EndReason::logout_others)->size(), 5u);
       },
       "sso_logout/logout_others"},
      {"disable_user", [](Store& s) { ASSERT_EQ(s.admin().disable_user("u1", kEnd)->size(), 6u); }, "user_disabled"},
      {"delete_user", [](Store& s) { ASSERT_EQ(s.admin().delete_user("u1", kEnd, 0)->size(), 6u); }, "", false},
  };
  bool first = true;
  for (const Way& way : ways) {
    SCOPED_TRACE(way.name);
    if (!first) {
      store_.reset();  // before PostgreSQL's schema is reset under it
      store_ = open_empty(backend());
    }
    first = false;
    ASSERT_NO_FATAL_FAILURE(browser_family(db()));
    ASSERT_NO_FATAL_FAILURE(way.end(db()));
    std::vector<std::string> want = kB1Deliveries;
    const bool all = way.name != "revoke logout" && way.name != "revoke admin" && way.name != "revoke reuse_detected";
    if (all) want.push_back("b2 app https://app.example/bc u1 3000 3000 0");
    std::sort(want.begin(), want.end());
    EXPECT_EQ(queued(db()), want);
    if (way.rows_remain) {
      const std::string reason = way.child_reason;
      if (reason == "sso_logout/logout_others") {
        EXPECT_EQ(ending(db().sessions().find("o1").value()), "3000 sso_logout");
        EXPECT_EQ(ending(db().sessions().find("o2").value()), "3000 logout_others");
      } else {
        EXPECT_EQ(ending(db().sessions().find("o1").value()), "3000 " + reason);
        EXPECT_EQ(ending(db().sessions().find("o2").value()), "3000 " + reason);
      }
      EXPECT_FALSE(db().sessions().find("bob")->revoked_at);
    } else {
      // The rows went with the user; the queue and the revocations did not.
      EXPECT_EQ(db().sessions().find("o1").error(), StoreError::not_found);
      auto revoked = db().sessions().list_revoked_since(kEnd).value();
      EXPECT_EQ(revoked.size(), 6u);
      EXPECT_FALSE(db().sessions().find("bob")->revoked_at);
    }
  }
}

// The queue is written in the transaction that ends the session: one rolled
// back leaves neither deliveries nor ended children.
TEST_P(SessionStoreTest, ARolledBackEndQueuesNothing) {
  ASSERT_NO_FATAL_FAILURE(browser_family(db()));
  if (backend() == Backend::sqlite) {
    // The database lane's batch: one transaction, here undone.
    BatchHooks* batch = db().database().batching();
    ASSERT_NE(batch, nullptr);
    batch->begin();
    ASSERT_TRUE(db().sessions().revoke("b1", "u1", kEnd, EndReason::logout));
    EXPECT_EQ(queued(db()).size(), 2u);  // seen inside the batch
    EXPECT_EQ(ending(db().sessions().find("o1").value()), "3000 sso_logout");
    EXPECT_FALSE(batch->end(false));
  } else {
    ASSERT_EQ(pg_->exec("BEGIN; UPDATE sessions SET revoked_at = 3000, revoked_reason = 'logout' WHERE id = 'b1'; "
                        "ROLLBACK"),
              "");
  }
  EXPECT_TRUE(queued(db()).empty());
  for (const char* id : {"b1", "o1", "o2"}) EXPECT_FALSE(db().sessions().find(id)->revoked_at) << id;
  // Committed, the same end queues them (whoever runs it: here plain SQL on PostgreSQL).
  if (backend() == Backend::sqlite) {
    ASSERT_TRUE(db().sessions().revoke("b1", "u1", kEnd, EndReason::logout));
  } else {
    ASSERT_EQ(pg_->exec("UPDATE sessions SET revoked_at = 3000, revoked_reason = 'logout' WHERE id = 'b1'"), "");
  }
  EXPECT_EQ(queued(db()), kB1Deliveries);
  EXPECT_EQ(ending(db().sessions().find("o2").value()), "3000 sso_logout");
}

INSTANTIATE_FOR_EVERY_BACKEND(SessionStoreTest);

}  // namespace latchkey::store_test
