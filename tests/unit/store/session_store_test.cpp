// SessionStore: sessions, refresh rotation and revocation (watching: session_watch_test.cpp).
// Every test runs on SQLite and on PostgreSQL (store_fixture.hpp).
#include "store_fixture.hpp"

#include <atomic>

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

INSTANTIATE_FOR_EVERY_BACKEND(SessionStoreTest);

}  // namespace latchkey::store_test
